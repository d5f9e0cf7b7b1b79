import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/backend.js';
import { makeConfig, mergeConfig, type TrainingConfig, upgradeConfig } from '../lib/config/training-config.js';
import { epochBatches, loadMnist, makeBatch, PIXELS } from '../lib/data/mnist.js';
import { officialSplitFile, officialValidationIndices } from '../lib/data/official-split.js';
import type { AdversarialModel, StepInputs } from '../lib/models/adversarial-model.js';
import { reestimateBatchNorm } from '../lib/training/batch-norm-estimate.js';
import { configKey } from '../lib/training/cached-run.js';
import { createOptimizersFor } from '../lib/training/optimizers.js';
import { createModel } from '../lib/training/registry.js';
import { minimize, simultaneousStep, trainStep } from '../lib/training/step.js';
import { hasHeldOutSplit, heldOutSplits, trainingDigits } from '../lib/training/training-data.js';
import { Random } from '../lib/util/random.js';
import { projectRoot } from '../lib/util/paths.js';

/**
 * The official MNIST networks as jeffdonahue/bigan builds them for train_mnist.sh (`--encode_net mnist_mlp
 * --discrim_net mnist_mlp --gen_net deconvnet_mnist_mlp --nobias --nogain`, noise u-50), counted from its files:
 * - E, net.py convnet(arch='mnist_mlp', size=64): FC(x, 1024) LReLU; FC(1024) BN LReLU; gan.py's Encoder is a
 *   LinearPredictor FC(1024 -> 50) (no bias: `--encode_out_bias` unset).
 * - G, net.py deconvnet_mnist_mlp: multifc(z, 1024) BN ReLU; FC(1024) + multifc(z, 1024) (apply_cond) BN ReLU;
 *   FC(1024 -> 784) sigmoid.
 * - D, convnet(mnist_mlp) with cond = z (train_gan.py's joint_discrim): FC(x, 1024) LReLU; FC(1024) + multifc(z,
 *   1024) BN LReLU; gan.py's BinaryClassifier FC(1024 -> 1), a LinearPredictor with stddev 0 (zeros) and no bias.
 * net.py's FC has no bias; with --nobias --nogain batch_norm adds neither Gain nor Bias. Learnable parameters:
 */
const OFFICIAL_PARAMETERS = {
  encoder: 784 * 1024 + 1024 * 1024 + 1024 * 50, // 1,902,592
  generator: 50 * 1024 + 1024 * 1024 + 50 * 1024 + 1024 * 784, // 1,953,792
  discriminator: 784 * 1024 + 1024 * 1024 + 50 * 1024 + 1024 * 1, // 1,903,616
};

/** Each network's layers in order: input width (z's projection stacked under the layer's own), output, norm, activation. */
const OFFICIAL_LAYERS = {
  encoder: ['784>1024 leakyRelu', '1024>1024 bn leakyRelu', '1024>50 linear'],
  generator: ['50>1024 bn relu', '1074>1024 bn relu', '1024>784 sigmoid'],
  discriminator: ['784>1024 leakyRelu', '1074>1024 bn leakyRelu', '1024>1 linear'],
};

/** Validation images whose exact pixels also occur among the 50,000 training images (MNIST repeats none here). */
const SHARED_BY_CONTENT = 0;

const count = (weights: tf.LayerVariable[]) =>
  weights.reduce((n, w) => n + tf.util.sizeFromShape(w.shape as number[]), 0);

function layerSummary(net: tf.LayersModel): string[] {
  return net.layers
    .filter((l) => l.getClassName() === 'BiganDenseBlock')
    .map((l) => {
      const config = l.getConfig();
      const kernel = l.getWeights()[0];
      return `${kernel.shape[0]}>${kernel.shape[1]}${config.batchNorm ? ' bn' : ''} ${String(config.activation)}`;
    });
}

test('official preset: parameter counts and layer order are those of the official net.py', async () => {
  await initBackend();
  const model = createModel(makeConfig('official'));
  try {
    for (const [name, expected] of Object.entries(OFFICIAL_PARAMETERS)) {
      const net = model.networks[name];
      assert.equal(count(net.trainableWeights), expected, `${name}: learnable parameters`);
      assert.deepEqual(layerSummary(net), OFFICIAL_LAYERS[name as keyof typeof OFFICIAL_LAYERS], `${name}: layers`);
      // No bias and no batch-norm gain or shift is learned: only kernels.
      assert.ok(
        net.trainableWeights.every((w) => w.name.endsWith('kernel')),
        `${name}: only kernels are learned`,
      );
    }
    // D starts undecided, as the official log's first line (JD 0.6932): its last layer is zero.
    const last = model.networks.discriminator.getLayer('discriminator_out_1').getWeights()[0];
    assert.equal(
      tf.tidy(() => last.abs().sum().dataSync()[0]),
      0,
    );
    // The PyTorch reproduction's networks are another thing: biases and batch-norm affine terms.
    const paper = createModel(makeConfig('paper'));
    assert.ok(paper.networks.generator.trainableWeights.some((w) => w.name.endsWith('bias')));
    paper.dispose();
  } finally {
    model.dispose();
  }
});

test('official preset: D sees E(x) squashed into [-1, 1]; the 1NN reads the unsquashed output', async () => {
  await initBackend();
  const config = tinyOfficial();
  const model = createModel(config);
  const images = tf.randomUniform([16, PIXELS], 0, 1, 'float32', 3) as tf.Tensor2D;
  try {
    const raw = model.networks.encoder.apply(images, { training: true }) as tf.Tensor2D;
    const { encoded, generated } = model.encodeAndGenerate({
      images,
      labels: tf.zeros([16], 'int32') as tf.Tensor1D,
      latents: model.samplePrior(16, 1),
      seed: 1,
    });
    const expected = tf.sigmoid(raw).mul(2).sub(1);
    assert.ok(tf.max(tf.abs(encoded.sub(expected))).dataSync()[0] < 1e-6);
    assert.equal(generated.shape[1], PIXELS);
    // E's weights are N(0, 0.02): the raw outputs are small but not squashed; make them large to tell.
    const big = tf.mul(images, 1e3) as tf.Tensor2D;
    const representation = model.encode(big);
    assert.ok(tf.max(tf.abs(representation)).dataSync()[0] > 1, 'the representation is not squashed');
    const latent = model.latentOf(representation);
    assert.ok(tf.max(tf.abs(latent)).dataSync()[0] <= 1);
  } finally {
    model.dispose();
  }
});

test('official split: reproduced from NumPy, disjoint from the training digits, 391 wrapped batches an epoch', () => {
  const validation = officialValidationIndices();
  const python = path.join(projectRoot(), '.venv', 'bin', 'python');
  if (fs.existsSync(python)) {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'split-')), 'split.json');
    const made = spawnSync(python, [path.join(projectRoot(), 'scripts', 'official-split.py'), out], {
      encoding: 'utf8',
    });
    assert.equal(made.status, 0, made.stderr);
    assert.equal(fs.readFileSync(out, 'utf8'), fs.readFileSync(officialSplitFile(), 'utf8'));
  }
  // A changed or unreadable split file is refused, naming it.
  const tampered = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'split-')), 'split.json');
  const body = JSON.parse(fs.readFileSync(officialSplitFile(), 'utf8'));
  fs.writeFileSync(tampered, JSON.stringify({ ...body, validation: [...body.validation.slice(1), 59999] }));
  assert.throws(
    () => officialValidationIndices(tampered),
    (e: Error) => e.message.startsWith(tampered) && /sha256/.test(e.message),
  );
  fs.writeFileSync(tampered, '{"validation": [1, 2');
  assert.throws(
    () => officialValidationIndices(tampered),
    (e: Error) => e.message.startsWith(tampered) && /JSON/.test(e.message),
  );
  const mnist = loadMnist();
  const config = makeConfig('official');
  const train = trainingDigits(config, mnist);
  const held = heldOutSplits(config, mnist)!;
  assert.equal(train.count, 50000);
  assert.equal(held.validation.count, 10000);
  // The digits a run trains on are the split's training half, in the same order.
  const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  assert.ok(bytes(train.images).equals(bytes(held.train.images)));
  assert.deepEqual(train.labels, held.train.labels);
  // No digit of the validation split is among the run's training digits, compared by content (the split is by
  // index; this also catches an index mix-up).
  const digest = (images: Float32Array, i: number) =>
    createHash('sha1')
      .update(images.subarray(i * PIXELS, (i + 1) * PIXELS))
      .digest('hex');
  const trainDigests = new Set(Array.from({ length: train.count }, (_, i) => digest(train.images, i)));
  const shared = Array.from({ length: held.validation.count }, (_, i) => digest(held.validation.images, i)).filter(
    (d) => trainDigests.has(d),
  );
  assert.equal(shared.length, SHARED_BY_CONTENT);
  const heldSet = new Set(validation);
  assert.equal(heldSet.size, 10000);
  const batches = epochBatches(50000, 128, new Random(1), 'wrap');
  assert.equal(batches.length, 391);
  const seen = new Uint8Array(50000);
  batches.forEach((b) => {
    assert.equal(b.length, 128);
    b.forEach((i) => seen[i]++);
  });
  assert.ok(
    seen.every((n) => n >= 1),
    'every digit is seen',
  );
  assert.equal(
    seen.reduce((n, s) => n + s, 0),
    391 * 128,
  );
  assert.equal(epochBatches(50000, 128, new Random(1)).length, 390, 'drop leaves the short batch out');
});

test('a run holds digits out exactly when its config says so, read without building the split', () => {
  const mnist = loadMnist();
  const cases: [TrainingConfig, boolean][] = [
    [makeConfig('official'), true],
    [mergeConfig(makeConfig('official'), { trainLimit: 500 }), true],
    [mergeConfig(makeConfig('paper'), { trainLimit: 50000 }), true],
    [mergeConfig(makeConfig('paper'), { trainLimit: 2000 }), true],
    [mergeConfig(makeConfig('paper'), { trainLimit: 50001 }), false],
    [makeConfig('paper'), false],
  ];
  for (const [config, held] of cases) {
    assert.equal(hasHeldOutSplit(config), held, `trainSet ${config.trainSet}, trainLimit ${config.trainLimit}`);
    assert.equal(heldOutSplits(config, mnist) !== null, held);
  }
});

/** The official layout at test size: 64 hidden units, batch 16, on a few hundred digits. */
function tinyOfficial(): TrainingConfig {
  return mergeConfig(makeConfig('official'), { architecture: { hiddenUnits: 64 }, batchSize: 16 });
}

function weightsOf(model: AdversarialModel): Float32Array[] {
  return Object.values(model.networks).flatMap((net) =>
    net.trainableWeights.map((w) => w.read().dataSync() as Float32Array),
  );
}

function batchInputs(model: AdversarialModel, seed: number): StepInputs {
  const mnist = loadMnist();
  const batch = makeBatch(
    mnist.train,
    Int32Array.from({ length: 16 }, (_, i) => i * 7 + seed),
  );
  return { images: batch.images, labels: batch.labels, latents: model.samplePrior(16, seed), seed };
}

test('simultaneous updates: D and E/G both step from the weights the step began with', async () => {
  await initBackend();
  const config = tinyOfficial();
  const [simultaneous, byHand, alternating] = [createModel(config), createModel(config), createModel(config)];
  const optimizers = [simultaneous, byHand, alternating].map((m) => createOptimizersFor(m, config));
  try {
    for (let step = 0; step < 3; step++) {
      const inputs = [simultaneous, byHand, alternating].map((m) => batchInputs(m, step + 1));
      simultaneousStep(simultaneous, optimizers[0], inputs[0]);
      // By hand: E and G step first, against D as it is; D then steps on the E(x) and G(z) computed before E and G
      // changed. Both phases thus see the weights the step began with.
      let outputs: ReturnType<AdversarialModel['encodeAndGenerate']> | null = null;
      const [byHandInputs] = [inputs[1]];
      minimize(() => {
        const made = byHand.encodeAndGenerate(byHandInputs);
        outputs = { encoded: tf.keep(made.encoded.clone()), generated: tf.keep(made.generated.clone()) };
        return byHand.encoderGeneratorLoss(byHandInputs, made);
      }, [optimizers[1].encoder, optimizers[1].generator]);
      const kept = outputs!;
      minimize(() => byHand.discriminatorLoss(byHandInputs, kept), [optimizers[1].discriminator]);
      tf.dispose([kept.encoded, kept.generated]);
      trainStep(alternating, optimizers[2], inputs[2]);
      inputs.forEach((i) => tf.dispose([i.images, i.labels, i.latents]));
    }
    const [a, b, c] = [simultaneous, byHand, alternating].map(weightsOf);
    const largest = (x: Float32Array[], y: Float32Array[]) =>
      Math.max(...x.map((w, i) => w.reduce((m, v, j) => Math.max(m, Math.abs(v - y[i][j])), 0)));
    assert.ok(largest(a, b) < 1e-6, `simultaneous vs by hand: ${largest(a, b)}`);
    // The alternating game's E and G see the updated D: another trajectory.
    assert.ok(largest(a, c) > 1e-5, `simultaneous vs alternating: ${largest(a, c)}`);
  } finally {
    [simultaneous, byHand, alternating].forEach((m) => m.dispose());
  }
});

test('batch-norm re-estimation changes evaluation and not the weights', async () => {
  await initBackend();
  const config = tinyOfficial();
  const model = createModel(config);
  const optimizers = createOptimizersFor(model, config);
  try {
    // A few steps so that the running averages (momentum 0.1) lag what the batch statistics are now.
    for (let step = 0; step < 5; step++) {
      const inputs = batchInputs(model, step + 1);
      simultaneousStep(model, optimizers, inputs);
      tf.dispose([inputs.images, inputs.labels, inputs.latents]);
    }
    const mnist = loadMnist();
    const probe = makeBatch(
      mnist.test,
      Int32Array.from({ length: 64 }, (_, i) => i),
    );
    const before = Float32Array.from(model.encode(probe.images).dataSync());
    const learned = model.networks.encoder.trainableWeights.map((w) => w.read().dataSync().slice());
    const generatorLearned = model.networks.generator.trainableWeights.map((w) => w.read().dataSync().slice());
    reestimateBatchNorm(model, trainingDigits(config, mnist), { batches: 20, batchSize: 16, seed: 1 });
    const after = Float32Array.from(model.encode(probe.images).dataSync());
    const moved = before.reduce((m, v, i) => Math.max(m, Math.abs(v - after[i])), 0);
    assert.ok(moved > 1e-4, `evaluation changed by ${moved}`);
    model.networks.encoder.trainableWeights.forEach((w, i) => assert.deepEqual(w.read().dataSync(), learned[i]));
    model.networks.generator.trainableWeights.forEach((w, i) =>
      assert.deepEqual(w.read().dataSync(), generatorLearned[i]),
    );
    // The statistics are the plain mean of the batches': the same batches give the same numbers again.
    reestimateBatchNorm(model, trainingDigits(config, mnist), { batches: 20, batchSize: 16, seed: 1 });
    assert.deepEqual(Float32Array.from(model.encode(probe.images).dataSync()), after);
    tf.dispose([probe.images, probe.labels]);
  } finally {
    Object.values(optimizers).forEach((o) => o.dispose());
    model.dispose();
  }
});

test('configs from before the official preset keep their run folders and ledger entries', () => {
  // Keys computed by the code before the official preset's fields existed (commit 8d1e70e).
  assert.equal(configKey(makeConfig('paper')), '40bc3118f0');
  assert.equal(configKey(makeConfig('reproduction')), '08ecdcd85f');
  const ledger = path.join(projectRoot(), 'data', 'results', 'bigbigan-runs');
  const entries = fs.readdirSync(ledger).filter((f) => f.endsWith('.json'));
  assert.ok(entries.length > 0);
  for (const file of entries) {
    const entry = JSON.parse(fs.readFileSync(path.join(ledger, file), 'utf8'));
    assert.equal(configKey(upgradeConfig(entry.config) as TrainingConfig), entry.configKey, file);
  }
  assert.notEqual(configKey(makeConfig('official')), configKey(makeConfig('paper')));
  assert.throws(() => makeConfig('official', { model: 'cbigan' }), /architecture.layout/);
  assert.throws(() => makeConfig('official', { trainLimit: 50001 }), /'trainLimit'/);
});
