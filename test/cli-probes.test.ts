import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { cli } from './support/cli.js';
import { makeConfig } from '../lib/config/training-config.js';
import { RunFolder } from '../lib/io/run-folder.js';
import type { AdversarialModel } from '../lib/models/adversarial-model.js';
import { trainCached } from '../lib/training/cached-run.js';
import { silentProgress } from '../lib/training/progress.js';
import { DivergenceError, train, WEIGHT_CHECK_EVERY } from '../lib/training/train.js';

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** path -> SHA-256 of every file below the folders (absent folders count as empty). */
function snapshot(...dirs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[full] = createHash('sha256').update(fs.readFileSync(full)).digest('hex');
    }
  };
  dirs.forEach(walk);
  return out;
}

function copyFolder(from: string, to: string): string {
  fs.cpSync(from, to, { recursive: true });
  return to;
}

interface Probe {
  name: string;
  args: (dir: string) => string[];
  /** Damages a fresh copy of the trained run (or the environment) before the command. */
  prepare?: (dir: string) => void;
  /** Part of the message: names the file or option. */
  message: RegExp;
}

const newestCheckpoint = (dir: string) => RunFolder.open(dir).checkpoints().pop()!.dir;
const editJson = (file: string, edit: (value: Record<string, unknown>) => void) => {
  const value = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(value);
  fs.writeFileSync(file, JSON.stringify(value));
};

const PROBES: Probe[] = [
  {
    name: 'history.json cut to 500 bytes: plot names it and the repair',
    prepare: (dir) => fs.truncateSync(path.join(dir, 'history.json'), 500),
    args: (dir) => ['plot', '--run', dir],
    message: /history\.json: corrupt JSON .*bigan repair --run/,
  },
  {
    name: 'history.json cut to 500 bytes: eval --results writes neither metrics.json nor the result',
    prepare: (dir) => fs.truncateSync(path.join(dir, 'history.json'), 500),
    args: (dir) => ['eval', '--run', dir, '--results', 'probe', '--test-limit', '100', '--train-limit', '1000'],
    message: /history\.json: corrupt JSON/,
  },
  {
    name: 'history.json holding an object',
    prepare: (dir) => fs.writeFileSync(path.join(dir, 'history.json'), '{"epoch": 1}'),
    args: (dir) => ['plot', '--run', dir],
    message: /history\.json: must hold a list of epoch records/,
  },
  {
    name: 'history.json with one loss edited, still valid JSON: its checksum names it and the repair',
    prepare: (dir) =>
      editJson(path.join(dir, 'history.json'), (h) => {
        (h.records as { losses: Record<string, number> }[])[0].losses.encoder += 0.5;
      }),
    args: (dir) => ['plot', '--run', dir],
    message: /history\.json: corrupt: its content does not match its own SHA-256.*bigan repair --run/,
  },
  {
    name: 'metrics.json with an accuracy edited, still valid JSON: export refuses it',
    prepare: (dir) => {
      const run = RunFolder.open(dir);
      run.writeMetrics({ epoch: 2, knnLatent: 0.5 });
      editJson(run.metricsFile, (m) => {
        m.knnLatent = 0.99;
      });
    },
    args: (dir) => ['export', '--run', dir, '--name', 'probe-export'],
    message: /metrics\.json: corrupt: its content does not match its own SHA-256/,
  },
  {
    name: 'an edited manifest (a tensor offset), still valid JSON',
    prepare: (dir) =>
      editJson(path.join(newestCheckpoint(dir), 'manifest.json'), (m) => {
        (m.tensors as { offset: number }[])[1].offset += 4;
      }),
    args: (dir) => ['eval', '--run', dir, '--test-limit', '100', '--train-limit', '1000'],
    message: /manifest\.json: corrupt: its content does not match its own SHA-256/,
  },
  {
    name: 'an edited manifest (the random state)',
    prepare: (dir) =>
      editJson(path.join(newestCheckpoint(dir), 'manifest.json'), (m) => {
        (m.random as { i: number }).i = ((m.random as { i: number }).i + 1) % 256;
      }),
    args: (dir) => ['train', '--out', dir, '--resume'],
    message: /manifest\.json: corrupt/,
  },
  {
    name: 'eval --results over a recorded result of another run',
    args: (dir) => ['eval', '--run', dir, '--results', 'bigan-paper', '--test-limit', '100', '--train-limit', '1000'],
    message: /bigan-paper\.json holds the results of another run.*--force/,
  },
  {
    name: '--resume with --epochs other than the run',
    args: (dir) => ['train', '--out', dir, '--resume', '--epochs', '5'],
    message: /contradict.*--epochs 5 \(the run's is 2/,
  },
  {
    name: '--resume with another --model, --seed and --preset',
    args: (dir) => ['train', '--out', dir, '--resume', '--model', 'cbigan', '--seed', '9', '--preset', 'paper'],
    message: /--model cbigan \(the run is bigan\); --seed 9 \(the run's is 1\); --preset paper/,
  },
  {
    name: 'eval --test-limit abc',
    args: (dir) => ['eval', '--run', dir, '--test-limit', 'abc'],
    message: /--test-limit must be a whole number/,
  },
  {
    name: 'eval --test-limit=-5',
    args: (dir) => ['eval', '--run', dir, '--test-limit=-5'],
    message: /--test-limit must be a whole number from 1 to 10000, got '-5'/,
  },
  {
    name: 'eval --train-limit 1.5',
    args: (dir) => ['eval', '--run', dir, '--train-limit', '1.5'],
    message: /--train-limit must be a whole number/,
  },
  {
    name: "train --seed ''",
    args: (dir) => ['train', '--out', path.join(dir, 'new'), '--seed', ''],
    message: /--seed must be a whole number/,
  },
  {
    name: 'train --epochs 0x2',
    args: (dir) => ['train', '--out', path.join(dir, 'new'), '--epochs', '0x2'],
    message: /--epochs must be a whole number/,
  },
  {
    name: 'ablate --budget toString',
    args: () => ['ablate', '--budget', 'toString'],
    message: /--budget must be one of quick, table, got 'toString'/,
  },
  {
    name: 'tsne --formats bmp, before any t-SNE',
    args: () => ['tsne', '--pixels', '--formats', 'bmp'],
    message: /--formats: unknown format 'bmp'/,
  },
  {
    name: 'tsne --out under a file, before any t-SNE',
    args: (dir) => ['tsne', '--pixels', '--out', path.join(dir, 'config.json', 'maps')],
    message: /--out .*config\.json\/maps: not a writable folder/,
  },
  {
    name: 'a second writer on a run folder a live process holds',
    prepare: (dir) =>
      fs.writeFileSync(
        path.join(dir, 'run.lock'),
        JSON.stringify({ pid: process.pid, host: os.hostname(), since: 'now' }),
      ),
    args: (dir) => ['train', '--out', dir, '--resume'],
    message: new RegExp(`being written by process ${process.pid} on ${os.hostname()}`),
  },
  {
    name: 'the scoring classifier with a flipped byte',
    prepare: () => {
      const file = path.join(process.env.BIGAN_CLASSIFIER_DIR!, 'weights.bin');
      const bytes = fs.readFileSync(file);
      bytes[1000] ^= 0xff;
      fs.writeFileSync(file, bytes);
    },
    args: () => ['classifier'],
    message: /weights\.bin: corrupt \(SHA-256 .* is not the .*SHA256SUMS sum\).*bigan classifier --train/,
  },
  {
    name: 'the scoring classifier with a truncated model.json',
    prepare: () => fs.truncateSync(path.join(process.env.BIGAN_CLASSIFIER_DIR!, 'model.json'), 100),
    args: () => ['classifier'],
    message: /model\.json: corrupt/,
  },
];

test('every probe fails with exit 1 and a message naming the file or option, and changes nothing on disk', async () => {
  const trained = path.join(tmp('probe-run-'), 'run');
  assert.equal((await cli(['train', '--preset', 'quick', '--epochs', '2', '--out', trained])).code, 0);
  const results = tmp('probe-results-');
  fs.copyFileSync(path.resolve('data/results/bigan-paper.json'), path.join(results, 'bigan-paper.json'));
  const saved = { results: process.env.BIGAN_RESULTS_DIR, classifier: process.env.BIGAN_CLASSIFIER_DIR };
  process.env.BIGAN_RESULTS_DIR = results;
  try {
    for (const probe of PROBES) {
      const dir = copyFolder(trained, path.join(tmp('probe-'), 'run'));
      process.env.BIGAN_CLASSIFIER_DIR = copyFolder(
        path.resolve('data/classifier'),
        path.join(tmp('probe-classifier-'), 'c'),
      );
      probe.prepare?.(dir);
      const before = snapshot(dir, results, process.env.BIGAN_CLASSIFIER_DIR);
      const { code, output } = await cli(probe.args(dir));
      assert.equal(code, 1, `${probe.name}: exit code (output: ${output})`);
      assert.match(output, probe.message, probe.name);
      assert.deepEqual(
        snapshot(dir, results, process.env.BIGAN_CLASSIFIER_DIR),
        before,
        `${probe.name}: files changed`,
      );
    }
  } finally {
    for (const [key, value] of [
      ['BIGAN_RESULTS_DIR', saved.results],
      ['BIGAN_CLASSIFIER_DIR', saved.classifier],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
});

test('a damaged or deleted history.json neither blocks nor shortens a resumed run; repair rewrites it', async () => {
  const reference = path.join(tmp('history-'), 'run');
  assert.equal((await cli(['train', '--preset', 'quick', '--epochs', '3', '--out', reference])).code, 0);
  const expected = RunFolder.open(reference)
    .readHistory()
    .map((r) => r.losses);
  for (const damage of [(file: string) => fs.truncateSync(file, 300), (file: string) => fs.rmSync(file)]) {
    const dir = copyFolder(reference, path.join(tmp('history-'), 'run'));
    // The last epoch is lost with its checkpoint, as after a kill; the resumed run trains it again.
    fs.rmSync(newestCheckpoint(dir), { recursive: true });
    damage(path.join(dir, 'history.json'));
    assert.equal((await cli(['train', '--out', dir, '--resume'])).code, 0);
    assert.deepEqual(
      RunFolder.open(dir)
        .readHistory()
        .map((r) => r.losses),
      expected,
    );
  }
  const repaired = copyFolder(reference, path.join(tmp('history-'), 'run'));
  fs.truncateSync(path.join(repaired, 'history.json'), 300);
  assert.equal((await cli(['repair', '--run', repaired])).code, 0);
  assert.deepEqual(
    RunFolder.open(repaired)
      .readHistory()
      .map((r) => r.losses),
    expected,
  );
});

test('a second --resume on a folder that a running process trains is refused at once', async () => {
  const dir = path.join(tmp('second-'), 'run');
  assert.equal((await cli(['train', '--preset', 'quick', '--epochs', '3', '--out', dir])).code, 0);
  // Without checkpoints the resumed run trains all three epochs again, holding the lock.
  for (const checkpoint of RunFolder.open(dir).checkpoints()) fs.rmSync(checkpoint.dir, { recursive: true });
  const first = spawn(process.execPath, [path.resolve('bin/bigan.js'), 'train', '--out', dir, '--resume'], {
    stdio: 'ignore',
  });
  try {
    const lock = path.join(dir, 'run.lock');
    const held = () => fs.existsSync(lock) && fs.readFileSync(lock, 'utf8').includes(`"pid":${first.pid}`);
    for (let waited = 0; !held(); waited += 50) {
      assert.ok(waited < 60000, 'the first process never took the lock');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Stopped, it holds the lock however fast this machine would have finished its three epochs.
    first.kill('SIGSTOP');
    const started = performance.now();
    const second = await cli(['train', '--out', dir, '--resume']);
    assert.equal(second.code, 1);
    assert.match(second.output, new RegExp(`being written by process ${first.pid}`));
    assert.ok(performance.now() - started < 5000, 'refused before any training');
  } finally {
    first.kill('SIGKILL');
  }
});

test('a truncated ablation-metrics.json is an error naming it, not an empty cache to overwrite', async () => {
  const dir = path.join(tmp('ablation-'), 'run');
  assert.equal((await cli(['train', '--preset', 'quick', '--epochs', '1', '--out', dir])).code, 0);
  const run = RunFolder.open(dir);
  run.writeAblationMetrics({ '{"samples":1000}': { row: 'base', inceptionScore: 1.5 } });
  fs.truncateSync(run.ablationMetricsFile, 20);
  assert.throws(() => run.readAblationMetrics(), /ablation-metrics\.json: corrupt JSON/);
});

test('a lock left by a process that is gone is taken over; the lock is released when training ends', async () => {
  const dir = path.join(tmp('lock-'), 'run');
  assert.equal((await cli(['train', '--preset', 'quick', '--epochs', '1', '--out', dir])).code, 0);
  assert.ok(!fs.existsSync(path.join(dir, 'run.lock')), 'released after training');
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  fs.writeFileSync(
    path.join(dir, 'run.lock'),
    JSON.stringify({ pid: Number(gone.stdout), host: os.hostname(), since: 'then' }),
  );
  const { code, output } = await cli(['train', '--out', dir, '--resume']);
  assert.equal(code, 0, output);
  assert.ok(!fs.existsSync(path.join(dir, 'run.lock')));
});

test(`a weight of Infinity that leaves the losses finite is caught within ${WEIGHT_CHECK_EVERY} steps, and the message says no checkpoint exists yet`, async () => {
  const dir = path.join(tmp('diverge-'), 'run');
  const config = makeConfig('quick', { epochs: 1, trainLimit: 2048, batchSize: 32, architecture: { hiddenUnits: 32 } });
  // D's running variance is used only in inference: in training the losses stay finite, only the weight check sees it.
  const poison = ({ model, step }: { model: AdversarialModel; step: number }) => {
    if (step !== 3) return;
    const variance = model.networks.discriminator.weights.find((w) =>
      /moving_variance|running_variance/.test(w.originalName),
    )!;
    const inf = tf.fill(variance.shape as number[], Infinity);
    variance.write(inf);
    inf.dispose();
  };
  await assert.rejects(
    train({ runDir: dir, config, progress: silentProgress, afterStep: poison }),
    (e: unknown) =>
      e instanceof DivergenceError &&
      e.step === WEIGHT_CHECK_EVERY &&
      /a weight of the discriminator is Infinity; no checkpoint was written yet/.test(e.message),
  );
});

test('rerunning a notebook cell body with trainCached 20 times keeps the tensor count flat', async () => {
  const root = tmp('rerun-');
  const config = makeConfig('quick', { epochs: 1, trainLimit: 256, batchSize: 32, architecture: { hiddenUnits: 32 } });
  const cell = async () => (await trainCached('cell', config, { root, progress: silentProgress })).model;
  await cell();
  const counts: number[] = [];
  for (let i = 0; i < 20; i++) {
    await cell();
    counts.push(tf.memory().numTensors);
  }
  assert.equal(new Set(counts).size, 1, `tensor counts over reruns: ${counts.join(', ')}`);
});
