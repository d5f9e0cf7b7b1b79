import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/backend.js';
import { CheckpointError, loadCheckpoint } from '../lib/io/checkpoint.js';
import { RunFolder } from '../lib/io/run-folder.js';
import { createModel } from '../lib/training/registry.js';
import { BIGBIGAN_BASE } from '../lib/config/bigbigan-presets.js';
import { ablationConfig } from '../lib/experiments/ablations.js';
import { ConfigError, learningRateAt, makeConfig, PRESETS, validateConfig } from '../lib/config/training-config.js';
import { silentProgress } from '../lib/training/progress.js';
import { createOptimizers, disposeOptimizers } from '../lib/training/optimizers.js';
import { train } from '../lib/training/train.js';

const tiny = (overrides = {}) =>
  makeConfig('quick', { epochs: 3, trainLimit: 256, batchSize: 32, architecture: { hiddenUnits: 32 }, ...overrides });
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'run-'));

test('configs: presets validate; unknown, missing and out-of-range fields are named', () => {
  for (const preset of Object.values(PRESETS)) validateConfig(structuredClone(preset));
  assert.throws(
    () => validateConfig({ ...PRESETS.quick, learningRat: 1 }),
    (e: unknown) => e instanceof ConfigError && e.field === 'learningRat' && /unknown field/.test(e.message),
  );
  assert.throws(
    () => validateConfig({ ...PRESETS.quick, batchSize: 0 }),
    /config field 'batchSize': must be >= 2, got 0/,
  );
  assert.throws(
    () => validateConfig({ ...PRESETS.quick, architecture: { ...PRESETS.quick.architecture, encoderOutput: 'relu' } }),
    /'architecture.encoderOutput': must be one of linear, tanh/,
  );
  const { seed: _, ...noSeed } = PRESETS.quick;
  assert.throws(() => validateConfig(noSeed), /'seed': missing/);
  assert.throws(() => makeConfig('huge' as 'quick'), /'preset': must be one of quick, reproduction, paper/);
});

test('a config written before the bigbigan field existed still opens; a missing field of a BigBiGAN config does not', () => {
  const dir = tmp();
  const { bigbigan: _, ...old } = PRESETS.quick;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(old));
  assert.equal(RunFolder.open(dir).config.bigbigan, null);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...old, model: 'bigbigan' }));
  assert.throws(() => RunFolder.open(dir), /config field 'bigbigan': missing/);
});

test('the paper schedule holds 2e-4 for 200 epochs, then decays exponentially to 2e-6', () => {
  const paper = PRESETS.paper;
  assert.equal(learningRateAt(paper, 0), 2e-4);
  assert.equal(learningRateAt(paper, 199), 2e-4);
  assert.ok(Math.abs(learningRateAt(paper, 399) - 2e-6) < 1e-12);
  assert.ok(Math.abs(learningRateAt(paper, 299) - 2e-4 * 1e-2 ** (99 / 199)) < 1e-12);
});

test('prior samples repeat for the same seed, seed 0 included, and differ between seeds', async () => {
  await initBackend();
  for (const config of [makeConfig('quick', { model: 'bigan' }), ablationConfig('base', BIGBIGAN_BASE.quick)]) {
    const model = createModel(config);
    const kind = config.model;
    const draw = (seed: number) => tf.tidy(() => model.samplePrior(4, seed).dataSync());
    assert.deepEqual(draw(0), draw(0), `${kind}: seed 0`);
    assert.deepEqual(draw(7), draw(7), `${kind}: seed 7`);
    assert.notDeepEqual(draw(0), draw(1), `${kind}: seeds 0 and 1`);
    assert.throws(() => draw(-1), /non-negative integer/);
    model.dispose();
  }
});

test('a resumed run continues exactly like an uninterrupted one', async () => {
  await initBackend();
  const whole = await train({ runDir: tmp(), config: tiny(), progress: silentProgress });
  assert.equal(whole.history.length, 3);
  assert.deepEqual(
    whole.run.checkpoints().map((c) => c.epoch),
    [2, 3],
    'keepCheckpoints 2 prunes the oldest',
  );

  // A crash after epoch 2's checkpoint: epoch 3's checkpoint and history record never reached the disk.
  const crashed = tmp();
  const partial = await train({ runDir: crashed, config: tiny(), progress: silentProgress });
  partial.model.dispose();
  const run = RunFolder.open(crashed);
  fs.rmSync(run.checkpointDir(3), { recursive: true });
  run.writeHistory(run.readHistory().slice(0, 2));
  const resumed = await train({ runDir: crashed, resume: true, progress: silentProgress });
  assert.equal(resumed.history.length, 3);
  for (const [name, value] of Object.entries(whole.history[2].losses)) {
    assert.ok(
      Math.abs(resumed.history[2].losses[name] - value) < 1e-5,
      `epoch 3 ${name}: ${resumed.history[2].losses[name]} vs ${value}`,
    );
  }
  const a = whole.model.networks.encoder.getWeights();
  const b = resumed.model.networks.encoder.getWeights();
  const diff = Math.max(...a.map((w, i) => tf.tidy(() => w.sub(b[i]).abs().max().dataSync()[0])));
  assert.ok(diff < 1e-5, `encoder weights differ by ${diff}`);
});

test('bad checkpoints and run folders are errors naming the file, and leave the model untouched', async () => {
  await initBackend();
  const dir = tmp();
  const result = await train({ runDir: dir, config: tiny({ epochs: 1 }), progress: silentProgress });
  const checkpoint = result.run.checkpoints().pop()!.dir;

  const other = createModel(tiny({ architecture: { hiddenUnits: 16 } }));
  const adam = { learningRate: 1e-3, beta1: 0.5, beta2: 0.999, weightDecay: 0 };
  const otherOptimizers = createOptimizers(other, { discriminator: adam, encoder: adam, generator: adam });
  const before = other.networks.encoder.getWeights().map((w) => w.dataSync().slice());
  assert.throws(
    () => loadCheckpoint(checkpoint, other, otherOptimizers),
    (e: unknown) =>
      e instanceof CheckpointError &&
      /tensors\.bin: tensor encoder\/encoder_1\/kernel has shape \[784,32\], this model needs \[784,16\]/.test(
        e.message,
      ),
  );
  other.networks.encoder.getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), before[i]));

  const corrupt = path.join(tmp(), 'epoch-0001');
  fs.cpSync(checkpoint, corrupt, { recursive: true });
  const bin = path.join(corrupt, 'tensors.bin');
  const bytes = fs.readFileSync(bin);
  bytes[123] ^= 0xff;
  fs.writeFileSync(bin, bytes);
  const same = createModel(tiny());
  const sameOptimizers = createOptimizers(same, { discriminator: adam, encoder: adam, generator: adam });
  assert.throws(() => loadCheckpoint(corrupt, same, sameOptimizers), /tensors\.bin: corrupt: SHA-256/);
  assert.throws(() => RunFolder.open(tmp()), /is not a run folder \(no config\.json\)/);
  await assert.rejects(train({ runDir: dir, config: tiny(), progress: silentProgress }), /already holds a run/);
  disposeOptimizers(otherOptimizers);
  disposeOptimizers(sameOptimizers);
});

test('keepEvery: checkpoints at its multiples survive pruning, mid-epoch ones and the rest do not', () => {
  const run = RunFolder.create(tmp(), makeConfig('quick', { keepCheckpoints: 2, keepEvery: 100 }));
  for (const [epoch, step] of [
    [95, 0],
    [100, 0],
    [100, 17],
    [105, 0],
    [200, 0],
    [205, 0],
    [210, 0],
  ])
    fs.mkdirSync(run.checkpointDir(epoch, step), { recursive: true });
  run.pruneCheckpoints(2, 100);
  assert.deepEqual(
    run.checkpoints().map((c) => [c.epoch, c.stepInEpoch]),
    [
      [100, 0],
      [200, 0],
      [205, 0],
      [210, 0],
    ],
  );
});

test("time spent in afterStep is not counted in an epoch's seconds", async () => {
  await initBackend();
  const busy = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };
  const started = performance.now();
  const result = await train({
    runDir: tmp(),
    config: tiny({ epochs: 1 }),
    progress: silentProgress,
    afterStep: () => busy(100),
  });
  const wall = (performance.now() - started) / 1000;
  // 8 steps, each followed by 100 ms in the callback: the epoch's seconds leave those 0.8 s out.
  const { seconds } = result.history[0];
  assert.ok(seconds > 0 && seconds < wall - 0.75, `epoch seconds ${seconds}, the whole call ${wall} s`);
  result.model.dispose();
});
