import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/backend.js';
import { RunFolder } from '../lib/io/run-folder.js';
import { loadRunModel } from '../lib/training/run-model.js';
import { loadMnist } from '../lib/data/mnist.js';
import { evaluateRepresentation } from '../lib/eval/representation.js';
import { samplesFigure } from '../lib/plots/run-figures.js';
import type { AdversarialModel } from '../lib/models/adversarial-model.js';
import { trainCached } from '../lib/training/cached-run.js';
import { makeConfig } from '../lib/config/training-config.js';
import { silentProgress } from '../lib/training/progress.js';
import { DivergenceError, train } from '../lib/training/train.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'reliability-'));
const cli = path.resolve('bin/bigan.js');
const TRAIN_ARGS = ['train', '--preset', 'quick', '--epochs', '5', '--seed', '3'];

function runCli(args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function killAfter(args: string[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

test('bigan train killed with SIGKILL at random moments resumes to the same losses as an uninterrupted run', async () => {
  const reference = path.join(tmp(), 'reference');
  assert.equal(runCli([...TRAIN_ARGS, '--out', reference]).status, 0);
  const expected = RunFolder.open(reference).readHistory();
  assert.equal(expected.length, 5);
  // Kill times between start-up (about 2 s) and the end of the run (about 7 s), drawn at random but printed.
  const delays = Array.from({ length: 3 }, () => 2000 + Math.floor(Math.random() * 4500));
  for (const delay of delays) {
    const dir = path.join(tmp(), 'killed');
    await killAfter([...TRAIN_ARGS, '--out', dir], delay);
    const resumed = fs.existsSync(path.join(dir, 'config.json'))
      ? runCli([...TRAIN_ARGS, '--out', dir, '--resume'])
      : runCli([...TRAIN_ARGS, '--out', dir]);
    assert.equal(resumed.status, 0, `after a kill at ${delay} ms: ${resumed.output}`);
    const run = RunFolder.open(dir);
    const history = run.readHistory();
    assert.deepEqual(
      history.map((r) => r.epoch),
      [0, 1, 2, 3, 4],
      `kill at ${delay} ms`,
    );
    assert.deepEqual(
      run.checkpoints().map((c) => c.epoch),
      [4, 5],
      'the newest checkpoints are complete and kept',
    );
    assert.deepEqual(
      fs.readdirSync(run.checkpointsDir).filter((n) => n.startsWith('.')),
      [],
      'no half-written checkpoint left',
    );
    for (let e = 0; e < 5; e++) {
      for (const [name, value] of Object.entries(expected[e].losses)) {
        assert.ok(
          Math.abs(history[e].losses[name] - value) < 1e-5,
          `kill at ${delay} ms, epoch ${e + 1}, ${name}: ${history[e].losses[name]} vs ${value}`,
        );
      }
    }
  }
});

test('a NaN stops training within one step, names the step and the loss, and leaves the last checkpoint intact', async () => {
  await initBackend();
  const dir = tmp();
  const config = makeConfig('quick', { epochs: 3, trainLimit: 256, batchSize: 32, architecture: { hiddenUnits: 32 } });
  // After epoch 1 (8 steps) and its checkpoint, one generator weight becomes NaN, as after an exploding update.
  const poison = ({ model, step }: { model: AdversarialModel; step: number }) => {
    if (step !== 10) return;
    const weight = model.networks.generator.weights[0];
    const nan = tf.fill(weight.shape as number[], NaN);
    weight.write(nan);
    nan.dispose();
  };
  await assert.rejects(
    train({ runDir: dir, config, progress: silentProgress, afterStep: poison }),
    (e: unknown) =>
      e instanceof DivergenceError &&
      e.step === 11 &&
      /training diverged at step 11: loss d\/\w+ is NaN/.test(e.message),
  );
  const run = RunFolder.open(dir);
  assert.deepEqual(
    run.checkpoints().map((c) => c.epoch),
    [1],
  );
  assert.equal(run.readHistory().length, 1, 'no record of the diverged epoch');
  const { model } = await loadRunModel(dir);
  for (const w of model.networks.generator.getWeights())
    assert.ok(tf.tidy(() => w.isNaN().any().dataSync()[0]) === 0, 'the checkpoint holds no NaN');
});

test('a notebook-sized cell run 50 times keeps the tensor count and resident memory flat', async () => {
  await initBackend();
  const config = makeConfig('quick', {
    epochs: 1,
    trainLimit: 128,
    batchSize: 32,
    architecture: { hiddenUnits: 32 },
    keepCheckpoints: 1,
  });
  const root = tmp();
  const mnist = loadMnist();
  const cell = async (i: number) => {
    const result = await trainCached(`cell-${i % 2}`, config, { root, retrain: true, progress: silentProgress });
    evaluateRepresentation(result.model, mnist, { trainLimit: 500, testLimit: 100, probeEpochs: 1 });
    samplesFigure(result.model, { rows: 1, columns: 4 });
    result.model.dispose();
  };
  // Warm-up: the first cells grow V8's code and heap spaces and TensorFlow's allocator pools to their working size.
  for (let i = 0; i < 20; i++) await cell(i);
  const tensors = tf.memory().numTensors;
  global.gc?.();
  const rss = process.memoryUsage().rss;
  for (let i = 0; i < 50; i++) await cell(i);
  global.gc?.();
  assert.equal(tf.memory().numTensors, tensors, 'tensor count after 50 more runs');
  const growth = process.memoryUsage().rss / rss - 1;
  assert.ok(growth < 0.05, `resident memory grew ${(growth * 100).toFixed(1)}%`);
});
