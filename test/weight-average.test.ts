import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/backend.js';
import { makeConfig } from '../lib/config/training-config.js';
import { RunFolder } from '../lib/io/run-folder.js';
import { WeightAverage } from '../lib/optim/weight-average.js';
import { silentProgress } from '../lib/training/progress.js';
import { loadRunModel } from '../lib/training/run-model.js';
import { createModel } from '../lib/training/registry.js';
import { train } from '../lib/training/train.js';

const tiny = (emaDecay: number) =>
  makeConfig('quick', { epochs: 3, trainLimit: 256, batchSize: 32, architecture: { hiddenUnits: 32 }, emaDecay });
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ema-'));
const maxDifference = (a: tf.Tensor[], b: tf.Tensor[]) =>
  Math.max(...a.map((w, i) => tf.tidy(() => w.sub(b[i]).abs().max().dataSync()[0])));

test('the average follows a <- d a + (1 - d) w with the ramped decay, and lends itself for a measurement', async () => {
  await initBackend();
  const w = tf.variable(tf.tensor1d([0, 10]));
  const average = new WeightAverage([{ name: 'w', variable: w }], 0.5);
  // Update 0: d = min(0.5, 1/10) = 0.1; update 1: min(0.5, 2/11); from update 8 on, (9/18) = 0.5.
  w.assign(tf.tensor1d([10, 0]));
  average.update();
  let expected = [0.1 * 0 + 0.9 * 10, 0.1 * 10 + 0.9 * 0];
  w.assign(tf.tensor1d([20, 20]));
  average.update();
  const d = 2 / 11;
  expected = expected.map((a) => d * a + (1 - d) * 20);
  const seen = average.withAverages(() => Array.from(w.dataSync()));
  seen.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-4, `${v} vs ${expected[i]}`));
  assert.deepEqual(Array.from(w.dataSync()), [20, 20], 'the trained weights are back');
  assert.throws(() =>
    average.withAverages(() => {
      throw new Error('measurement failed');
    }),
  );
  assert.deepEqual(Array.from(w.dataSync()), [20, 20], 'back after a throw too');
  assert.throws(() => new WeightAverage([], 1), /decay must be in \(0, 1\)/);
  average.dispose();
});

test('a run with a weight average trains as one without, evaluates the average, and resumes exactly', async () => {
  await initBackend();
  const plain = await train({ runDir: tmp(), config: tiny(0), progress: silentProgress });
  const averaged = await train({ runDir: tmp(), config: tiny(0.9), progress: silentProgress });
  assert.deepEqual(averaged.history[2].losses, plain.history[2].losses, 'the average does not change training');
  const generator = (r: { model: typeof plain.model }) => r.model.networks.generator.getWeights();
  const initial = createModel(tiny(0)).networks.generator.getWeights();
  const [fromTrained, fromInitial] = [plain, { model: { networks: { generator: { getWeights: () => initial } } } }].map(
    (r) => maxDifference(generator(averaged), generator(r as typeof plain)),
  );
  assert.ok(fromTrained > 1e-4, 'the returned G is the average, not the trained weights');
  assert.ok(
    fromTrained < fromInitial,
    `the average follows training (${fromTrained} vs ${fromInitial} from the start)`,
  );
  const loaded = await loadRunModel(averaged.run.dir);
  assert.equal(maxDifference(generator(loaded), generator(averaged)), 0, 'a loaded run gives the same average');

  // A crash after epoch 2's checkpoint: the average and its update count come back from it.
  const crashed = await train({ runDir: tmp(), config: tiny(0.9), progress: silentProgress });
  const run = RunFolder.open(crashed.run.dir);
  fs.rmSync(run.checkpointDir(3), { recursive: true });
  const resumed = await train({ runDir: run.dir, resume: true, progress: silentProgress });
  const encoder = (r: { model: typeof plain.model }) => r.model.networks.encoder.getWeights();
  assert.ok(maxDifference(encoder(resumed), encoder(averaged)) < 1e-5);
  assert.ok(maxDifference(generator(resumed), generator(averaged)) < 1e-5);

  const wrong = path.join(tmp(), 'run');
  fs.cpSync(plain.run.dir, wrong, { recursive: true });
  const config = JSON.parse(fs.readFileSync(path.join(wrong, 'config.json'), 'utf8'));
  fs.writeFileSync(path.join(wrong, 'config.json'), JSON.stringify({ ...config, emaDecay: 0.9 }));
  await assert.rejects(loadRunModel(wrong), /tensors\.bin: has no weight average: it was written by a run without one/);
});
