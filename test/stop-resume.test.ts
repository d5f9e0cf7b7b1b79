import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { initBackend } from '../lib/backend/backend.js';
import { makeConfig } from '../lib/config/training-config.js';
import { RunFolder } from '../lib/io/run-folder.js';
import { silentProgress } from '../lib/training/progress.js';
import { train } from '../lib/training/train.js';

const config = makeConfig('quick', {
  epochs: 3,
  trainLimit: 256,
  batchSize: 32,
  architecture: { hiddenUnits: 32 },
  checkpointEvery: 2,
});
const tmp = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stop-')), 'run');

async function reference() {
  const result = await train({ runDir: tmp(), config, progress: silentProgress });
  result.model.dispose();
  return result.history.map((r) => r.losses);
}

/** Trains with a stop asked for after `stopAtStep`, then resumes to the end; returns the final losses. */
async function stoppedAndResumed(
  stopAtStep: number,
): Promise<{ losses: Record<string, number>[]; checkpoint: string }> {
  const dir = tmp();
  const stop = { requested: false };
  const first = await train({
    runDir: dir,
    config,
    progress: silentProgress,
    stop,
    afterStep: ({ step }) => {
      if (step === stopAtStep) stop.requested = true;
    },
  });
  first.model.dispose();
  assert.equal(first.stopped, true);
  const checkpoint = path.basename(RunFolder.open(dir).checkpoints().pop()!.dir);
  const resumed = await train({ runDir: dir, resume: true, progress: silentProgress });
  resumed.model.dispose();
  assert.equal(resumed.stopped, false);
  return { losses: resumed.history.map((r) => r.losses), checkpoint };
}

test('a stop asked for inside an epoch checkpoints there, and the resumed run ends with the uninterrupted losses', async () => {
  await initBackend();
  const expected = await reference();
  // 8 steps an epoch: step 11 is 3 steps into the second epoch, step 8 its end (checkpointEvery 2: no checkpoint yet).
  for (const [stopAt, name] of [
    [11, 'epoch-0001-step-000003'],
    [8, 'epoch-0001'],
  ] as const) {
    const { losses, checkpoint } = await stoppedAndResumed(stopAt);
    assert.equal(checkpoint, name, `the checkpoint written on the stop at step ${stopAt}`);
    assert.equal(losses.length, 3);
    losses.forEach((epoch, e) => {
      for (const [key, value] of Object.entries(expected[e])) {
        assert.ok(
          Math.abs(epoch[key] - value) <= 1e-6,
          `stop at step ${stopAt}, epoch ${e + 1}, ${key}: ${epoch[key]} vs ${value}`,
        );
      }
    });
  }
});
