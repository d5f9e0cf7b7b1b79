import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/backend.js';
import { PIXELS } from '../lib/data/mnist.js';
import { frechetDistance, inceptionScore } from '../lib/eval/gan-scores.js';
import { bigbiganDiscriminatorLoss, bigbiganEncoderGeneratorLoss, scoresInUse } from '../lib/losses/hinge.js';
import { createBigBiganModel } from '../lib/models/bigbigan.js';
import { BIGBIGAN_BASE } from '../lib/config/bigbigan-presets.js';
import { realDataScores } from '../lib/eval/generation-scores.js';
import { ABLATION_NAMES, ablationConfig, type EvaluationSettings, runAblations } from '../lib/experiments/ablations.js';
import { configKey } from '../lib/training/cached-run.js';
import { makeConfig, mergeConfig } from '../lib/config/training-config.js';
import { checkTrainingStep } from './support/tiny-bigan.js';
import { loadRunModel } from '../lib/training/run-model.js';
import { loadMnist } from '../lib/data/mnist.js';
import { loadClassifier } from '../lib/eval/classifier.js';
import { reconstructionAgreement } from '../lib/eval/reconstruction.js';
import { tableRows } from '../lib/experiments/statistics.js';
import { metricCell, tableMetrics } from '../lib/experiments/table-cells.js';

const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const column = (values: number[]) => tf.tensor2d(values, [values.length, 1]);

test('hinge losses match hand-computed values, with and without unaries', async () => {
  await initBackend();
  const encoder = { x: column([2, 0.5]), z: column([-1, 1]), xz: column([0.2, 3]) };
  const generator = { x: column([-2, 0.5]), z: column([0, -0.5]), xz: column([1, -1]) };
  // h(t) = max(0, 1 - t). Encoder pairs: h(s); generator pairs: h(-s).
  // s_x: mean(h(2), h(0.5)) + mean(h(2), h(-0.5)) = (0 + 0.5)/2 + (0 + 1.5)/2 = 1.0
  // s_z: mean(h(-1), h(1)) + mean(h(0), h(0.5)) = (2 + 0)/2 + (1 + 0.5)/2 = 1.75
  // s_xz: mean(h(0.2), h(3)) + mean(h(-1), h(1)) = (0.8 + 0)/2 + (2 + 0)/2 = 1.4
  const d = bigbiganDiscriminatorLoss(encoder, generator, scoresInUse('both'));
  close(d.s_x.dataSync()[0], 1.0);
  close(d.s_z.dataSync()[0], 1.75);
  close(d.s_xz.dataSync()[0], 1.4);
  close(d.total.dataSync()[0], 4.15);
  close(bigbiganDiscriminatorLoss(encoder, generator, scoresInUse('none')).total.dataSync()[0], 1.4);
  close(bigbiganDiscriminatorLoss(encoder, generator, scoresInUse('x')).total.dataSync()[0], 2.4);
  // E and G: mean(s over encoder pairs) - mean(s over generator pairs), summed over scores.
  // s_x: 1.25 - (-0.75) = 2; s_z: 0 - (-0.25) = 0.25; s_xz: 1.6 - 0 = 1.6
  const eg = bigbiganEncoderGeneratorLoss(encoder, generator, scoresInUse('both'));
  close(eg.total.dataSync()[0], 3.85);
  close(eg.encoder.dataSync()[0], 1.25 + 0 + 1.6);
  close(eg.generator.dataSync()[0], 0.75 + 0.25 + 0);
  close(bigbiganEncoderGeneratorLoss(encoder, generator, scoresInUse('z')).total.dataSync()[0], 1.85);
});

test('each ablation row changes exactly its setting from Base', () => {
  const base = BIGBIGAN_BASE.quick;
  const flatten = (value: unknown, prefix = ''): Record<string, unknown> =>
    value && typeof value === 'object'
      ? Object.assign({}, ...Object.entries(value).map(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k)))
      : { [prefix]: value };
  const expected: Record<string, string[]> = {
    base: [],
    'deterministic-e': ['bigbigan.stochasticEncoder'],
    'uniform-prior': ['bigbigan.prior'],
    'x-unary-only': ['bigbigan.unaries'],
    'z-unary-only': ['bigbigan.unaries'],
    'no-unaries': ['bigbigan.unaries'],
    'small-g': ['bigbigan.generatorChannels'],
    'encoder-lr-x10': ['encoderLearningRateMultiplier'],
    'high-res-encoder': ['bigbigan.highResolutionEncoder'],
    'wide-encoder': ['bigbigan.encoderChannels'],
    'random-encoder': ['encoderLearningRateMultiplier'],
    'no-encoder': ['bigbigan.encoder'],
  };
  assert.deepEqual(ABLATION_NAMES.sort(), Object.keys(expected).sort());
  const flatBase = flatten(base);
  for (const row of ABLATION_NAMES) {
    const flatRow = flatten(ablationConfig(row, base));
    const changed = Object.keys(flatBase).filter((k) => flatBase[k] !== flatRow[k]);
    assert.deepEqual(changed, expected[row], row);
  }
  assert.equal(ablationConfig('encoder-lr-x10', base).encoderLearningRateMultiplier, 10);
  assert.equal(ablationConfig('wide-encoder', base).bigbigan!.encoderChannels, 2 * base.bigbigan!.encoderChannels);
  assert.throws(() => ablationConfig('bigger-d', base), /unknown ablation row 'bigger-d'/);
});

test('networks: a stochastic encoder outputs mean and log-variance; the high-resolution variant generates 14x14', async () => {
  await initBackend();
  const settings = BIGBIGAN_BASE.quick.bigbigan!;
  const stochastic = createBigBiganModel(settings, 8, 32, 1);
  assert.equal((stochastic.networks.encoder.outputs as unknown[]).length, 2);
  assert.deepEqual(
    stochastic.networks.discriminator.outputs.map((o) => o.shape),
    [
      [null, 1],
      [null, 1],
      [null, 1],
    ],
  );
  const x = tf.randomUniform([4, PIXELS], 0, 1, 'float32', 3) as tf.Tensor2D;
  assert.deepEqual(stochastic.encode(x).shape, [4, 8]);
  const deterministic = createBigBiganModel({ ...settings, stochasticEncoder: false }, 8, 32, 1);
  assert.equal(deterministic.networks.encoder.outputs.length, 1);
  const highRes = createBigBiganModel({ ...settings, highResolutionEncoder: true }, 8, 32, 1);
  assert.deepEqual(highRes.networks.generator.outputs[0].shape, [null, 14 * 14]);
  assert.deepEqual(highRes.generate(highRes.samplePrior(3, 1)).shape, [3, PIXELS], 'samples are shown at 28x28');
});

const SCORES_OF: Record<string, string[]> = {
  base: ['d/s_x', 'd/s_xz', 'd/s_z'],
  'high-res-encoder': ['d/s_x', 'd/s_xz', 'd/s_z'],
  'no-unaries': ['d/s_xz'],
  'no-encoder': ['d/s_x'],
};
for (const [variant, scores] of Object.entries(SCORES_OF)) {
  test(`a BigBiGAN (${variant}) training step: finite losses, phase-local updates, no leaks`, async () => {
    await initBackend();
    const config = ablationConfig(variant, BIGBIGAN_BASE.quick);
    checkTrainingStep(
      'none',
      () => createBigBiganModel(config.bigbigan!, 8, 32, 2),
      [...scores, 'd/total', 'eg/encoder', 'eg/generator', 'eg/total'],
      variant !== 'no-encoder',
    );
  });
}

test('scores: the real test set scores about 9.9; identical sets have Frechet distance 0', async () => {
  await initBackend();
  const { inceptionScore: real } = await realDataScores();
  assert.ok(real > 9.7 && real < 10, `real-data score ${real}`);
  const logits = Float32Array.from({ length: 200 * 10 }, (_, i) => Math.sin(i * 1.7) * 3);
  close(frechetDistance(logits, 200, logits, 200), 0, 1e-5);
  const shifted = logits.map((v, i) => (i % 10 === 0 ? v + 2 : v));
  close(frechetDistance(logits, 200, shifted, 200), 4, 1e-5);
  close(inceptionScore(new Float32Array(10 * 10), 10), 1, 1e-9);
});

test('rerunning the ablations reuses finished rows; an edited row trains alone', async () => {
  await initBackend();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ablate-'));
  const base = mergeConfig(BIGBIGAN_BASE.quick, { trainLimit: 128, batchSize: 32 });
  const evaluation = { samples: 100, trainLimit: 500, testLimit: 100 };
  const first = await runAblations(['base', 'no-unaries'], { base, evaluation, root });
  const stamps = () => first.map((r) => fs.statSync(path.join(r.runDir, 'history.json')).mtimeMs);
  const firstStamps = stamps();
  const again = await runAblations(['base', 'no-unaries'], { base, evaluation, root });
  assert.deepEqual(again, first, 'same rows, same numbers');
  assert.deepEqual(stamps(), firstStamps, 'nothing retrained');
  const edited = await runAblations(['no-unaries'], {
    base: mergeConfig(base, { learningRate: 1e-4 }),
    evaluation,
    root,
  });
  assert.notEqual(edited[0].runDir, first[1].runDir, 'the edited row trains in a run of its own');
  assert.deepEqual(stamps(), firstStamps, 'the finished runs were not touched');
  assert.equal(fs.readdirSync(root).length, 3);
});

/** One row of a tiny sweep (four steps of 32) in a folder of its own, scored with `evaluation`. */
const tinyAblation = (row: string, evaluation: EvaluationSettings) =>
  runAblations([row], {
    base: mergeConfig(BIGBIGAN_BASE.quick, { trainLimit: 128, batchSize: 32 }),
    evaluation,
    root: fs.mkdtempSync(path.join(os.tmpdir(), 'ablate-')),
  });

test('the no-encoder row is scored on generation only: it has no representation', async () => {
  await initBackend();
  const [gan] = await tinyAblation('no-encoder', { samples: 100, trainLimit: 500, testLimit: 100 });
  assert.ok(Number.isFinite(gan.inceptionScore) && Number.isFinite(gan.frechetDistance));
  for (const metric of ['knnLatent', 'linearProbe', 'reconstructionAgreement'] as const)
    assert.equal(gan[metric], undefined, metric);
  const [row] = tableRows([gan]);
  assert.deepEqual(tableMetrics([row]), ['inceptionScore', 'frechetDistance']);
  assert.equal(metricCell(row, 'knnLatent'), '–');
});

test('an evaluation limit of 0 scores on every digit of the split, as the table does', async () => {
  await initBackend();
  const [scored] = await tinyAblation('base', { samples: 100, trainLimit: 500, testLimit: 0 });
  const { model } = await loadRunModel(scored.runDir);
  const all = loadMnist().test;
  assert.equal(all.count, 10000);
  assert.equal(scored.reconstructionAgreement, reconstructionAgreement(model, await loadClassifier(), all));
  assert.ok(scored.knnLatent! > 0.1, `1NN ${scored.knnLatent}`);
  model.dispose();
});

test('run keys: BiGAN runs keep their folders; BigBiGAN runs from before a revision get new ones', () => {
  // Literal keys from runs made before the revisions: a BiGAN run must still be found (keepEvery, added later,
  // hashes as before at 0), a BigBiGAN run must not: revision 2's checkpoints lack D's power-iteration vectors,
  // revision 3's D judges both kinds of pairs in one batch.
  assert.equal(configKey(makeConfig('quick')), '69757f31cc');
  assert.notEqual(configKey(ablationConfig('base', BIGBIGAN_BASE.quick)), '9ab675e4f6');
  assert.notEqual(configKey(BIGBIGAN_BASE.quick), 'c315679879');
  assert.notEqual(configKey(BIGBIGAN_BASE.table), 'd23a8e31ba');
  assert.notEqual(configKey(makeConfig('paper')), configKey(makeConfig('paper', { keepEvery: 0 })));
  // A revision-3 BigBiGAN run from before emaDecay and bigbigan.encoder: at their defaults they hash as before.
  const before = { epochs: 8, learningRate: 4e-4, beta1: 0.5, emaDecay: 0, architecture: { latentSize: 32 } };
  assert.equal(configKey(mergeConfig(BIGBIGAN_BASE.table, before)), 'd3621b2d39');
  assert.notEqual(configKey(mergeConfig(BIGBIGAN_BASE.table, { emaDecay: 0 })), configKey(BIGBIGAN_BASE.table));
});

test('paired initialisation: rows with one seed start every network they share from the same weights', async () => {
  await initBackend();
  const settings = { ...BIGBIGAN_BASE.quick.bigbigan!, pairedInit: true };
  const weightsOf = (net: tf.LayersModel) => net.getWeights().map((w) => Array.from(w.dataSync()));
  const base = createBigBiganModel(settings, 8, 32, 5);
  // small-g changes G's shapes: E and D must still start as Base's do. deterministic-e changes E's outputs: G and D.
  const smallG = createBigBiganModel({ ...settings, generatorChannels: 4 }, 8, 32, 5);
  const deterministic = createBigBiganModel({ ...settings, stochasticEncoder: false }, 8, 32, 5);
  assert.deepEqual(weightsOf(smallG.networks.encoder), weightsOf(base.networks.encoder));
  assert.deepEqual(weightsOf(smallG.networks.discriminator), weightsOf(base.networks.discriminator));
  assert.deepEqual(weightsOf(deterministic.networks.generator), weightsOf(base.networks.generator));
  assert.deepEqual(weightsOf(deterministic.networks.discriminator), weightsOf(base.networks.discriminator));
  // The high-resolution row's G has one layer fewer. Paired, E still starts as Base's E does; with one stream
  // through G, E and D in build order, G's missing draw moves every draw of E.
  const highRes = createBigBiganModel({ ...settings, highResolutionEncoder: true }, 8, 32, 5);
  assert.deepEqual(weightsOf(highRes.networks.encoder), weightsOf(base.networks.encoder));
  const unpaired = createBigBiganModel({ ...settings, pairedInit: false }, 8, 32, 5);
  const unpairedHighRes = createBigBiganModel(
    { ...settings, pairedInit: false, highResolutionEncoder: true },
    8,
    32,
    5,
  );
  assert.notDeepEqual(weightsOf(unpairedHighRes.networks.encoder), weightsOf(unpaired.networks.encoder));
  // Another seed starts elsewhere.
  const other = createBigBiganModel(settings, 8, 32, 6);
  assert.notDeepEqual(weightsOf(other.networks.encoder), weightsOf(base.networks.encoder));
  for (const m of [base, smallG, deterministic, highRes, unpaired, unpairedHighRes, other]) m.dispose();
});
