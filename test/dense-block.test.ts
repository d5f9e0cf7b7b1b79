import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/backend.js';
import { type Activation, DenseBlock } from '../lib/models/dense-block.js';

function maxDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => a.sub(b).abs().max().dataSync()[0]);
}

/** Builds the same block twice, once on native kernels and once on tfjs ops, with identical weights. */
function twins(activation: Activation, batchNorm: boolean, style: { bias?: boolean; affine?: boolean } = {}) {
  const make = (portable: boolean) => {
    const block = new DenseBlock({
      name: `b_${activation}_${batchNorm}_${portable}_${style.bias ?? true}_${style.affine ?? true}`,
      units: 6,
      activation,
      batchNorm,
      portable,
      ...style,
      kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.5, seed: 3 }),
    });
    block.apply(tf.input({ shape: [5] }));
    return block;
  };
  const native = make(false);
  const portable = make(true);
  portable.setWeights(native.getWeights());
  return { native, portable };
}

// The official BiGAN's layers (no bias, batch norm without gain or shift) beside the reproduction's.
const STYLES = [{}, { bias: false, affine: false }] as const;
for (const activation of ['relu', 'leakyRelu', 'sigmoid', 'tanh', 'linear'] as const) {
  for (const batchNorm of [true, false]) {
    for (const style of STYLES) {
      const plain = 'bias' in style;
      if (plain && !['relu', 'leakyRelu', 'linear'].includes(activation)) continue;
      test(`native and portable DenseBlock agree (${activation}${batchNorm ? ', batch norm' : ''}${plain ? ', no bias or gain' : ''}): output, gradients, running statistics`, async () => {
        const report = await initBackend({ backend: 'tensorflow' });
        assert.equal(report.backend, 'tensorflow');
        const { native, portable } = twins(activation, batchNorm, style);
        // Without a bias or batch-norm gain and shift, the kernel is the only learned weight.
        if (plain)
          assert.deepEqual(
            native.trainableWeights.map((w) => w.originalName.split('/').pop()),
            ['kernel'],
          );
        const x = tf.randomNormal([16, 5], 0, 1, 'float32', 9);
        const upstream = tf.randomNormal([16, 6], 0, 1, 'float32', 10);
        const run = (block: DenseBlock) => {
          const variables = block.trainableWeights.map((w) => w.read() as tf.Variable);
          const { value, grads } = tf.variableGrads(
            () => (block.apply(x, { training: true }) as tf.Tensor).mul(upstream).sum() as tf.Scalar,
            variables,
          );
          const inputGrad = tf.grad((input: tf.Tensor) =>
            (block.apply(input, { training: true }) as tf.Tensor).mul(upstream).sum(),
          )(x);
          return { value, grads: variables.map((v) => grads[v.name]), inputGrad };
        };
        const a = run(native);
        const b = run(portable);
        assert.ok(maxDifference(a.value, b.value) < 1e-4, `loss ${a.value.dataSync()} vs ${b.value.dataSync()}`);
        a.grads.forEach((g, i) =>
          assert.ok(
            maxDifference(g, b.grads[i]) < 1e-4,
            `gradient of ${native.trainableWeights[i].name}: ${maxDifference(g, b.grads[i])}`,
          ),
        );
        assert.ok(maxDifference(a.inputGrad, b.inputGrad) < 1e-4, 'input gradient');
        native
          .getWeights()
          .forEach((w, i) =>
            assert.ok(maxDifference(w, portable.getWeights()[i]) < 1e-5, `weight ${i} after two training passes`),
          );
        const inference = maxDifference(
          native.apply(x, { training: false }) as tf.Tensor,
          portable.apply(x, { training: false }) as tf.Tensor,
        );
        assert.ok(inference < 1e-5, `inference output ${inference}`);
      });
    }
  }
}

test('a block without weight gradients passes the same input gradient and gives its weights none', async () => {
  await initBackend({ backend: 'tensorflow' });
  const { native } = twins('leakyRelu', true);
  const x = tf.randomNormal([16, 5], 0, 1, 'float32', 11);
  const upstream = tf.randomNormal([16, 6], 0, 1, 'float32', 12);
  const inputGradient = () =>
    tf.grad((input: tf.Tensor) => (native.apply(input, { training: true }) as tf.Tensor).mul(upstream).sum())(x);
  const full = inputGradient();
  native.weightGradients = false;
  const frozen = inputGradient();
  const weights = native.trainableWeights.map((w) => w.read() as tf.Variable);
  // The weights enter as constants, so tfjs finds no path from them to the loss.
  assert.throws(
    () =>
      tf.variableGrads(
        () => (native.apply(x, { training: true }) as tf.Tensor).mul(upstream).sum() as tf.Scalar,
        weights,
      ),
    /Cannot find a connection between any variable and the result/,
  );
  native.weightGradients = true;
  assert.ok(maxDifference(full, frozen) < 1e-4, `input gradients differ by ${maxDifference(full, frozen)}`);
});

test('a block without input gradients gives its weights the same gradients, and its input none', async () => {
  await initBackend({ backend: 'tensorflow' });
  const { native } = twins('relu', true);
  const x = tf.randomNormal([16, 5], 0, 1, 'float32', 13);
  const upstream = tf.randomNormal([16, 6], 0, 1, 'float32', 14);
  const weights = native.trainableWeights.map((w) => w.read() as tf.Variable);
  const weightGradients = () => {
    const { grads } = tf.variableGrads(
      () => (native.apply(x, { training: true }) as tf.Tensor).mul(upstream).sum() as tf.Scalar,
      weights,
    );
    return weights.map((v) => grads[v.name]);
  };
  const full = weightGradients();
  native.inputGradients = false;
  const withoutInput = weightGradients();
  assert.throws(
    () => tf.grad((input: tf.Tensor) => (native.apply(input, { training: true }) as tf.Tensor).mul(upstream).sum())(x),
    /Cannot compute gradient of y=f\(x\) with respect to x/,
  );
  native.weightGradients = false;
  const constant = native.apply(x, { training: true }) as tf.Tensor;
  native.inputGradients = true;
  native.weightGradients = true;
  full.forEach((g, i) =>
    assert.ok(maxDifference(g, withoutInput[i]) < 1e-5, `gradient of ${native.trainableWeights[i].name}`),
  );
  assert.ok(
    maxDifference(constant, native.apply(x, { training: true }) as tf.Tensor) < 1e-5,
    'with no gradient at all the forward pass is unchanged',
  );
});

for (const portable of [false, true]) {
  test(`a block with two batch groups equals two separate calls (${portable ? 'portable' : 'native'}): outputs, gradients, running statistics`, async () => {
    await initBackend({ backend: 'tensorflow' });
    const { native, portable: portableBlock } = twins('leakyRelu', true);
    const block = portable ? portableBlock : native;
    const first = tf.randomNormal([8, 5], 0, 1, 'float32', 15);
    const second = tf.randomNormal([8, 5], 2, 3, 'float32', 16);
    const upstream = tf.randomNormal([16, 6], 0, 1, 'float32', 17);
    const variables = block.trainableWeights.map((w) => w.read() as tf.Variable);
    const start = block.getWeights().map((w) => w.clone());
    const run = (forward: (x: tf.Tensor) => tf.Tensor) => {
      block.setWeights(start);
      const x = tf.concat([first, second], 0);
      const { value, grads } = tf.variableGrads(() => forward(x).mul(upstream).sum() as tf.Scalar, variables);
      const inputGrad = tf.grad((input: tf.Tensor) => forward(input).mul(upstream).sum())(x);
      return { value, grads: variables.map((v) => grads[v.name]), inputGrad, after: block.getWeights() };
    };
    const separate = run((x) => {
      const [a, b] = tf.split(x, 2, 0);
      return tf.concat(
        [a, b].map((part) => block.apply(part, { training: true }) as tf.Tensor),
        0,
      );
    });
    const grouped = run((x) => {
      block.batchGroups = 2;
      try {
        return block.apply(x, { training: true }) as tf.Tensor;
      } finally {
        block.batchGroups = 1;
      }
    });
    const pooled = run((x) => block.apply(x, { training: true }) as tf.Tensor);
    assert.ok(maxDifference(separate.value, grouped.value) < 1e-4, 'loss');
    assert.ok(maxDifference(separate.value, pooled.value) > 1e-2, 'the two batches differ enough to tell');
    separate.grads.forEach((g, i) => assert.ok(maxDifference(g, grouped.grads[i]) < 1e-4, `gradient ${i}`));
    assert.ok(maxDifference(separate.inputGrad, grouped.inputGrad) < 1e-4, 'input gradient');
    // Running statistics after two passes, each updating them once per group, in group order.
    separate.after.forEach((w, i) => assert.ok(maxDifference(w, grouped.after[i]) < 1e-5, `weight ${i}`));
    block.batchGroups = 2;
    assert.throws(
      () => block.apply(first.concat(second.slice(0, 1)), { training: true }),
      /9 rows cannot be split into 2/,
    );
    block.batchGroups = 1;
  });
}
