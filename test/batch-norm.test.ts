import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/backend.js';
import { BatchNorm } from '../lib/models/batch-norm.js';

function assertClose(got: tf.Tensor, want: tf.Tensor, what: string, tolerance = 1e-4): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  const [a, b] = [got.dataSync(), want.dataSync()];
  const scale = Math.max(1, ...Array.from(b, Math.abs));
  b.forEach((value, i) =>
    assert.ok(Math.abs(a[i] - value) <= tolerance * scale, `${what}[${i}]: ${a[i]}, tfjs-layers gives ${value}`),
  );
}

/** Trains both layers on the same batches and compares outputs, gradients, moving statistics and inference. */
function compareWithTfjsLayers(shape: number[], name: string): void {
  const channels = shape[shape.length - 1];
  const ours = new BatchNorm({ name: `${name}_ours`, momentum: 0.9, epsilon: 1e-5 });
  const reference = tf.layers.batchNormalization({ name: `${name}_ref`, momentum: 0.9, epsilon: 1e-5 });
  const x0 = tf.randomNormal(shape, 0.5, 2, 'float32', 1);
  ours.apply(x0);
  reference.apply(x0);
  const start = [tf.randomNormal([channels], 1, 0.3, 'float32', 2), tf.randomNormal([channels], 0, 0.3, 'float32', 3)];
  ours.setWeights([...start, ...reference.getWeights().slice(2)]);
  reference.setWeights([...start, ...reference.getWeights().slice(2)]);
  for (let step = 0; step < 3; step++) {
    const x = tf.randomNormal(shape, step, 1 + step, 'float32', 10 + step);
    const r = tf.randomNormal(shape, 0, 1, 'float32', 20 + step);
    const run = (layer: tf.layers.Layer) => {
      const [gamma, beta] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const f = (input: tf.Tensor) => (layer.apply(input, { training: true }) as tf.Tensor).mul(r).sum() as tf.Scalar;
      const { value, grads } = tf.variableGrads(() => f(x), [gamma, beta]);
      const dx = tf.grad(f)(x);
      return { value, dx, dgamma: grads[gamma.name], dbeta: grads[beta.name] };
    };
    const [a, b] = [run(ours), run(reference)];
    assertClose(a.value, b.value, `${name} step ${step} loss`);
    assertClose(a.dx, b.dx, `${name} step ${step} dL/dx`);
    assertClose(a.dgamma, b.dgamma, `${name} step ${step} dL/dgamma`);
    assertClose(a.dbeta, b.dbeta, `${name} step ${step} dL/dbeta`);
  }
  // Each training call above moved the moving statistics twice (value and dx); both layers did the same.
  ours.getWeights().forEach((w, i) => assertClose(w, reference.getWeights()[i], `${name} weight ${i}`));
  const x = tf.randomNormal(shape, 0, 1, 'float32', 99);
  assertClose(ours.apply(x) as tf.Tensor, reference.apply(x) as tf.Tensor, `${name} inference`);
}

test('BatchNorm trains, moves its statistics and infers as tfjs-layers BatchNormalization, on 2-D and 4-D input', async () => {
  const backend = await initBackend();
  compareWithTfjsLayers([16, 6], `bn2d_${backend.backend.replace('-', '_')}`);
  compareWithTfjsLayers([4, 5, 5, 3], `bn4d_${backend.backend.replace('-', '_')}`);
});

test('BatchNorm: the portable path (plain JS backend) matches tfjs-layers too', async () => {
  await initBackend();
  const previous = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    compareWithTfjsLayers([16, 6], 'bn2d_cpu');
    compareWithTfjsLayers([4, 5, 5, 3], 'bn4d_cpu');
  } finally {
    await tf.setBackend(previous);
  }
});
