import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/backend.js';
import { NUM_CLASSES, PIXELS } from '../lib/data/mnist.js';
import { classifierAccuracy, classControl, loadClassifier } from '../lib/eval/classifier.js';
import { loadMnist } from '../lib/data/mnist.js';
import { EXTENDED_UNITS } from '../lib/models/bigan.js';
import { checkTrainingStep, tinyBigan } from './support/tiny-bigan.js';

for (const conditioning of ['simple', 'extended'] as const) {
  test(`conditional BiGAN (${conditioning}): shapes, and the label reaches G and D`, async () => {
    await initBackend();
    const model = tinyBigan(2, conditioning);
    assert.equal(model.conditional, true);
    assert.deepEqual(
      model.networks.encoder.inputs.map((i) => i.shape),
      [[null, PIXELS]],
      'E takes no label',
    );
    assert.deepEqual(
      model.networks.generator.inputs.map((i) => i.shape),
      [
        [null, 4],
        [null, NUM_CLASSES],
      ],
    );
    assert.deepEqual(
      model.networks.discriminator.inputs.map((i) => i.shape),
      [
        [null, PIXELS],
        [null, 4],
        [null, NUM_CLASSES],
      ],
    );
    if (conditioning === 'extended') {
      const units = model.networks.discriminator.layers
        .filter((l) => /^discriminator_[xzc]_1$/.test(l.name))
        .map((l) => l.outputShape);
      assert.deepEqual(units, [
        [null, EXTENDED_UNITS.x],
        [null, EXTENDED_UNITS.z],
        [null, EXTENDED_UNITS.c],
      ]);
    }
    const z = model.samplePrior(8, 5);
    const difference = tf.tidy(() => {
      const asThree = model.generate(z, tf.fill([8], 3, 'int32') as tf.Tensor1D);
      const asSeven = model.generate(z, tf.fill([8], 7, 'int32') as tf.Tensor1D);
      assert.deepEqual(asThree.shape, [8, PIXELS]);
      return asThree.sub(asSeven).abs().max().dataSync()[0];
    });
    assert.ok(difference > 1e-4, `changing c changes G(z, c) (max difference ${difference})`);
    const dDifference = tf.tidy(() => {
      const x = tf.randomUniform([8, PIXELS], 0, 1, 'float32', 1);
      const c3 = tf.oneHot(tf.fill([8], 3, 'int32') as tf.Tensor1D, NUM_CLASSES).toFloat();
      const c7 = tf.oneHot(tf.fill([8], 7, 'int32') as tf.Tensor1D, NUM_CLASSES).toFloat();
      const d = model.networks.discriminator;
      return (d.apply([x, z, c3]) as tf.Tensor)
        .sub(d.apply([x, z, c7]) as tf.Tensor)
        .abs()
        .max()
        .dataSync()[0];
    });
    assert.ok(dDifference > 1e-6, `changing c changes D(x, z, c) (max difference ${dDifference})`);
    assert.throws(() => model.generate(z), /needs labels to generate/);
    z.dispose();
  });

  test(`conditional BiGAN (${conditioning}): a training step has finite losses, updates each phase's modules only, leaks nothing`, async () => {
    await initBackend();
    checkTrainingStep(conditioning);
  });
}

test('the scoring classifier reaches 99% on the MNIST test set; class control of an untrained G is near chance', async () => {
  await initBackend();
  const accuracy = classifierAccuracy(await loadClassifier(), loadMnist().test);
  assert.ok(accuracy >= 0.99, `test accuracy ${accuracy}`);
  const control = await classControl(tinyBigan(3, 'simple'), 20);
  assert.equal(control.perDigit.length, 10);
  assert.ok(control.overall < 0.5, `an untrained generator cannot be controlled (${control.overall})`);
});
