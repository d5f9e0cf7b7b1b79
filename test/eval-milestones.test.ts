import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { initBackend } from '../lib/backend/backend.js';
import { evalCommand } from '../lib/cli/eval.js';
import { makeConfig } from '../lib/config/training-config.js';
import { readResults } from '../lib/experiments/results.js';
import { silentProgress } from '../lib/training/progress.js';
import { train } from '../lib/training/train.js';

test('bigan eval --epoch adds each evaluated epoch to the results; the headline stays the latest', async () => {
  await initBackend();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'milestones-'));
  process.env.BIGAN_RESULTS_DIR = root;
  const log = console.log;
  console.log = () => {};
  try {
    const runDir = path.join(root, 'run');
    const trained = await train({ runDir, config: makeConfig('quick'), progress: silentProgress });
    trained.model.dispose();
    const evaluate = (epoch: number) =>
      evalCommand({
        run: runDir,
        epoch: String(epoch),
        json: false,
        trainLimit: '1000',
        testLimit: '300',
        results: 'tiny',
      });
    await evaluate(2);
    await evaluate(1);
    const results = readResults('tiny')!;
    assert.equal(results.epoch, 2, 'an earlier epoch does not replace the headline');
    assert.deepEqual(
      results.milestones!.map((m) => m.epoch),
      [1, 2],
    );
    assert.deepEqual(results.milestones![1].metrics, results.metrics);
    for (const m of results.milestones!) assert.ok(m.reconstructionAgreement! >= 0 && m.reconstructionAgreement! <= 1);
    await assert.rejects(evaluate(7), /no checkpoint at the end of epoch 7 \(kept: 1, 2\)/);
  } finally {
    console.log = log;
    delete process.env.BIGAN_RESULTS_DIR;
    fs.rmSync(root, { recursive: true, force: true });
  }
});
