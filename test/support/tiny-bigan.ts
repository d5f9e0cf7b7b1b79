import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { PRESETS } from '../../lib/config/training-config.js';
import { loadMnist, makeBatch, takeFirst } from '../../lib/data/mnist.js';
import { type Conditioning, createBiganModel } from '../../lib/models/bigan.js';
import type { AdversarialModel, ModuleName, StepInputs } from '../../lib/models/adversarial-model.js';
import { createOptimizers, disposeOptimizers } from '../../lib/training/optimizers.js';
import { minimize, trainStep } from '../../lib/training/step.js';

/** A BiGAN small enough for a test on any backend: 32 hidden units, 4 latent dimensions, batch 16. */
export function tinyBigan(seed = 1, conditioning: Conditioning = 'none'): AdversarialModel {
  return createBiganModel({ ...PRESETS.quick.architecture, latentSize: 4, hiddenUnits: 32 }, seed, conditioning);
}

export const ADAM = { learningRate: 1e-3, beta1: 0.5, beta2: 0.999, weightDecay: 1e-5 };

function snapshot(model: AdversarialModel, module: ModuleName): Float32Array[] {
  return model.variables(module).map((v) => v.dataSync().slice() as Float32Array);
}

function changed(before: Float32Array[], after: Float32Array[]): boolean {
  return before.some((b, i) => b.some((x, j) => x !== after[i][j]));
}

/** The checks every backend must pass: finite named losses, phase-local updates, and no leaked tensors. */
const BIGAN_LOSSES = [
  'd/discriminatorEncoder',
  'd/discriminatorGenerator',
  'd/total',
  'eg/encoder',
  'eg/generator',
  'eg/total',
];

export function checkTrainingStep(
  conditioning: Conditioning = 'none',
  make: () => AdversarialModel = () => tinyBigan(1, conditioning),
  lossNames: string[] = BIGAN_LOSSES,
  /** False for a model without an encoder in its game (BigBiGAN's no-encoder row): then no step may change E. */
  encoderTrains = true,
): void {
  const model = make();
  const optimizers = createOptimizers(model, { discriminator: ADAM, encoder: ADAM, generator: ADAM });
  const data = takeFirst(loadMnist().train, 64);
  const batch = makeBatch(
    data,
    Array.from({ length: 16 }, (_, i) => i),
  );
  const latents = model.samplePrior(16, 3);
  const inputs = { images: batch.images, labels: batch.labels, latents, seed: 0 };

  const before = {
    d: snapshot(model, 'discriminator'),
    e: snapshot(model, 'encoder'),
    g: snapshot(model, 'generator'),
  };
  tf.dispose(
    Object.values(
      minimize(() => model.discriminatorLoss(inputs, model.encodeAndGenerate(inputs)), [optimizers.discriminator]),
    ),
  );
  const afterD = {
    d: snapshot(model, 'discriminator'),
    e: snapshot(model, 'encoder'),
    g: snapshot(model, 'generator'),
  };
  assert.ok(changed(before.d, afterD.d), 'the D update changes D');
  assert.ok(!changed(before.e, afterD.e), 'the D update leaves E alone');
  assert.ok(!changed(before.g, afterD.g), 'the D update leaves G alone');
  tf.dispose(
    Object.values(
      minimize(
        () => model.encoderGeneratorLoss(inputs, model.encodeAndGenerate(inputs)),
        [optimizers.encoder, optimizers.generator],
      ),
    ),
  );
  const afterEG = {
    d: snapshot(model, 'discriminator'),
    e: snapshot(model, 'encoder'),
    g: snapshot(model, 'generator'),
  };
  assert.ok(!changed(afterD.d, afterEG.d), 'the E+G update leaves D alone');
  assert.equal(changed(afterD.e, afterEG.e), encoderTrains, `the E+G update ${encoderTrains ? 'changes' : 'leaves'} E`);
  assert.ok(changed(afterD.g, afterEG.g), 'the E+G update changes G');

  const losses = trainStep(model, optimizers, inputs);
  assert.deepEqual(Object.keys(losses).sort(), [...lossNames].sort());
  for (const [name, value] of Object.entries(losses)) assert.ok(Number.isFinite(value), `${name} is finite`);
  for (const phase of ['d', 'eg']) {
    const parts = Object.entries(losses)
      .filter(([k]) => k.startsWith(`${phase}/`) && k !== `${phase}/total`)
      .reduce((sum, [, v]) => sum + v, 0);
    assert.ok(Math.abs(losses[`${phase}/total`] - parts) < 1e-4, `${phase} total is the sum of its parts`);
  }

  checkSharedForward(make, inputs);

  const tensorsBefore = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) trainStep(model, optimizers, inputs);
  assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensor leaks over five steps');
  tf.dispose([batch.images, batch.labels, latents]);
  disposeOptimizers(optimizers);
  model.dispose();
}

/**
 * trainStep computes E(x) and G(z) once and nests D's update inside E and G's gradient tape. It must leave every
 * trainable weight where two separate phases, each with its own forward pass, leave it.
 */
function checkSharedForward(make: () => AdversarialModel, inputs: StepInputs): void {
  const [shared, separate] = [make(), make()];
  const optimizersOf = (model: AdversarialModel) =>
    createOptimizers(model, { discriminator: ADAM, encoder: ADAM, generator: ADAM });
  const [sharedOptimizers, separateOptimizers] = [optimizersOf(shared), optimizersOf(separate)];
  for (let step = 0; step < 2; step++) {
    const losses = trainStep(shared, sharedOptimizers, inputs);
    const d = minimize(
      () => separate.discriminatorLoss(inputs, separate.encodeAndGenerate(inputs)),
      [separateOptimizers.discriminator],
    );
    const eg = minimize(
      () => separate.encoderGeneratorLoss(inputs, separate.encodeAndGenerate(inputs)),
      [separateOptimizers.encoder, separateOptimizers.generator],
    );
    assert.ok(Math.abs(losses['d/total'] - d.total.dataSync()[0]) < 1e-5, `step ${step}: D's loss`);
    assert.ok(Math.abs(losses['eg/total'] - eg.total.dataSync()[0]) < 1e-5, `step ${step}: E and G's loss`);
    tf.dispose([...Object.values(d), ...Object.values(eg)]);
  }
  for (const module of ['discriminator', 'encoder', 'generator'] as const) {
    const [a, b] = [snapshot(shared, module), snapshot(separate, module)];
    a.forEach((weights, i) => {
      const difference = weights.reduce((m, x, j) => Math.max(m, Math.abs(x - b[i][j])), 0);
      assert.ok(difference < 1e-5, `${module} variable ${i} differs by ${difference} after two steps`);
    });
  }
  [sharedOptimizers, separateOptimizers].forEach(disposeOptimizers);
  [shared, separate].forEach((m) => m.dispose());
}
