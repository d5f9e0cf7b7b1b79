import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { initBackend } from '../lib/backend/backend.js';
import { ablateCommand } from '../lib/cli/ablate.js';
import { BIGBIGAN_BASE } from '../lib/config/bigbigan-presets.js';
import { mergeConfig } from '../lib/config/training-config.js';
import { type AblationOptions, collectAblations, runAblations } from '../lib/experiments/ablations.js';
import { ledgerDir } from '../lib/experiments/score-ledger.js';

const tempDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** Runs `body` with the results folder (so the ledger) in a temporary folder. */
async function withResultsDir(body: () => Promise<void>): Promise<void> {
  const saved = process.env.BIGAN_RESULTS_DIR;
  process.env.BIGAN_RESULTS_DIR = tempDir('ledger-results-');
  try {
    await body();
  } finally {
    fs.rmSync(process.env.BIGAN_RESULTS_DIR, { recursive: true, force: true });
    if (saved === undefined) delete process.env.BIGAN_RESULTS_DIR;
    else process.env.BIGAN_RESULTS_DIR = saved;
  }
}

const tinySweep = (root: string, record = false): AblationOptions => ({
  base: mergeConfig(BIGBIGAN_BASE.quick, { trainLimit: 128, batchSize: 32 }),
  evaluation: { samples: 100, trainLimit: 500, testLimit: 100 },
  root,
  record,
});

test('recorded scores build the table on a machine without the runs, and their run-seeds never train again', async () => {
  await initBackend();
  await withResultsDir(async () => {
    const first = await runAblations(['base'], tinySweep(tempDir('ledger-runs-'), true));
    const files = fs.readdirSync(ledgerDir());
    assert.deepEqual(files, [`${path.basename(first[0].runDir)}.json`], 'one entry, named like the run folder');
    const recorded = fs.readFileSync(path.join(ledgerDir(), files[0]), 'utf8');
    assert.ok(!recorded.includes(first[0].runDir), "the entry does not name this machine's run folder");

    const bare = tempDir('ledger-runs-'); // another machine: runs/ is empty
    const { results, missing } = collectAblations(['base'], tinySweep(bare));
    assert.deepEqual(missing, []);
    assert.deepEqual(results, [{ ...first[0], runDir: path.join(bare, path.basename(first[0].runDir)) }]);
    const again = await runAblations(['base'], tinySweep(bare));
    assert.deepEqual(again, results, 'the same scores');
    assert.deepEqual(fs.readdirSync(bare), [], 'nothing trained');

    const elsewhere = tempDir('ledger-runs-');
    const [unrecorded] = await runAblations(['no-unaries'], tinySweep(elsewhere));
    assert.equal(fs.readdirSync(ledgerDir()).length, 1, 'without record, the ledger is left alone');
    collectAblations(['no-unaries'], tinySweep(elsewhere, true));
    const { results: collected } = collectAblations(['no-unaries'], tinySweep(tempDir('ledger-runs-')));
    assert.deepEqual(
      collected.map((r) => ({ ...r, runDir: path.basename(r.runDir) })),
      [{ ...unrecorded, runDir: path.basename(unrecorded.runDir) }],
      'collect with record writes the scores it finds in run folders',
    );
  });
});

test("a ledger entry whose config is not its run's is an error naming the file", async () => {
  await initBackend();
  await withResultsDir(async () => {
    await runAblations(['base'], tinySweep(tempDir('ledger-runs-'), true));
    const [name] = fs.readdirSync(ledgerDir());
    const file = path.join(ledgerDir(), name);
    const entry = JSON.parse(fs.readFileSync(file, 'utf8'));
    entry.config.learningRate = 1e-3;
    fs.writeFileSync(file, JSON.stringify(entry));
    const pattern = new RegExp(`${name}: its config hashes to \\w+, not \\w+`);
    assert.throws(() => collectAblations(['base'], tinySweep(tempDir('ledger-runs-'))), pattern);
    fs.writeFileSync(file, '{"scores": ');
    assert.throws(() => collectAblations(['base'], tinySweep(tempDir('ledger-runs-'))), /corrupt JSON/);
  });
});

test('--seeds 1,base=2 gives Base two seeds and the other rows one; a row outside the sweep is an error', async () => {
  await initBackend();
  const saved = { error: console.error, log: console.log, runs: process.env.BIGAN_RUNS_DIR };
  const lines: string[] = [];
  console.error = (line: string) => lines.push(line);
  console.log = () => {};
  process.env.BIGAN_RUNS_DIR = tempDir('ledger-runs-');
  try {
    const flags = { retrain: false, record: false, json: true, collect: true, dryRun: false };
    await ablateCommand({ ...flags, rows: 'base,no-unaries', seeds: '1,base=2' });
    assert.deepEqual(
      lines.map((l) => l.replace(/ \(.*$/, '')),
      ['missing: base seed 0', 'missing: base seed 1', 'missing: no-unaries seed 0'],
    );
    await assert.rejects(
      ablateCommand({ ...flags, rows: 'base', seeds: '3,no-unaries=2' }),
      /--seeds: 'no-unaries' is not one of the rows of this sweep/,
    );
    await assert.rejects(
      ablateCommand({ ...flags, rows: 'base', seeds: '3,base=x' }),
      /--seeds must be a whole number/,
    );
  } finally {
    Object.assign(console, { error: saved.error, log: saved.log });
    if (saved.runs === undefined) delete process.env.BIGAN_RUNS_DIR;
    else process.env.BIGAN_RUNS_DIR = saved.runs;
  }
});
