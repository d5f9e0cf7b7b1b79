import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/backend.js';
import { SpectralConv2D, SpectralDense } from '../lib/models/spectral-norm.js';

/** Largest singular value of a [rows, cols] matrix, by power iteration on W^T W in float64. */
function spectralNorm(values: Float32Array, rows: number, cols: number): number {
  let v = Array.from({ length: cols }, (_, i) => 1 + i / cols);
  let sigma = 0;
  for (let iteration = 0; iteration < 500; iteration++) {
    const wv = Array.from({ length: rows }, (_, r) => v.reduce((s, x, c) => s + values[r * cols + c] * x, 0));
    const next = Array.from({ length: cols }, (_, c) => wv.reduce((s, x, r) => s + values[r * cols + c] * x, 0));
    const norm = Math.hypot(...next);
    v = next.map((x) => x / norm);
    sigma = Math.sqrt(norm);
  }
  return sigma;
}

const init = tf.initializers.randomNormal({ mean: 0, stddev: 0.7, seed: 11 });

test('SpectralDense: after power iteration the effective kernel has spectral norm 1, and the output uses it', async () => {
  await initBackend();
  const layer = new SpectralDense({ name: 'sn_dense_test', units: 4, kernelInitializer: init, seed: 5 });
  const x = tf.randomNormal([3, 6], 0, 1, 'float32', 2);
  layer.apply(x); // builds
  const kernel = layer.getWeights()[0].dataSync() as Float32Array;
  const sigma = spectralNorm(kernel, 6, 4);
  assert.ok(sigma > 1.5, `the test kernel should need normalising (sigma ${sigma})`);
  for (let i = 0; i < 30; i++) tf.dispose(layer.apply(x, { training: true }) as tf.Tensor);
  const out = layer.apply(x, { training: false }) as tf.Tensor;
  const expected = tf.tidy(() => x.matMul(tf.tensor2d(kernel, [6, 4]).div(sigma)));
  const difference = tf.tidy(() => out.sub(expected).abs().max().dataSync()[0]);
  assert.ok(difference < 1e-4, `output differs from x W / sigma by ${difference}`);
  // u is state, not a parameter: an optimizer must not see it, a checkpoint must.
  assert.deepEqual(
    layer.trainableWeights.map((w) => w.originalName),
    ['sn_dense_test/kernel', 'sn_dense_test/bias'],
  );
  assert.deepEqual(
    layer.weights.map((w) => w.originalName),
    ['sn_dense_test/kernel', 'sn_dense_test/bias', 'sn_dense_test/u'],
  );
  tf.dispose([x, out, expected]);
});

test('SpectralDense: inference leaves u alone; the kernel gradient matches finite differences', async () => {
  await initBackend();
  const layer = new SpectralDense({ name: 'sn_grad_test', units: 3, kernelInitializer: init, seed: 6 });
  const x = tf.randomNormal([4, 5], 0, 1, 'float32', 3);
  layer.apply(x);
  for (let i = 0; i < 60; i++) tf.dispose(layer.apply(x, { training: true }) as tf.Tensor);
  const u = () => layer.getWeights()[2].dataSync().slice();
  const before = u();
  // A loss that grows with the output's scale, so that sigma's own gradient (W / sigma shrinks as W grows along its
  // top singular vectors) is a large part of the kernel's gradient.
  const loss = () => (layer.apply(x, { training: false }) as tf.Tensor).square().sum() as tf.Scalar;
  const kernelVariable = layer.trainableWeights[0].read() as tf.Variable;
  const { grads } = tf.variableGrads(loss, [kernelVariable]);
  assert.deepEqual(u(), before);
  const analytic = grads[kernelVariable.name].dataSync();
  const kernel = kernelVariable.dataSync().slice() as Float32Array;
  const lossAt = (values: Float32Array) => {
    kernelVariable.assign(tf.tensor(values, kernelVariable.shape));
    return tf.tidy(() => loss().dataSync()[0]);
  };
  const epsilon = 1e-2;
  for (const index of [0, 4, 7, 13]) {
    const plus = kernel.slice();
    plus[index] += epsilon;
    const minus = kernel.slice();
    minus[index] -= epsilon;
    const numeric = (lossAt(plus) - lossAt(minus)) / (2 * epsilon);
    assert.ok(
      Math.abs(numeric - analytic[index]) < 1e-2 * Math.max(1, Math.abs(numeric)),
      `kernel[${index}]: analytic ${analytic[index]}, numeric ${numeric}`,
    );
  }
  tf.dispose([x, grads[kernelVariable.name]]);
});

test('SpectralConv2D: normalises the kernel seen as [k k in, out], strides and same padding like conv2d', async () => {
  await initBackend();
  const layer = new SpectralConv2D({
    name: 'sn_conv_test',
    filters: 3,
    kernelSize: 4,
    strides: 2,
    kernelInitializer: init,
    seed: 7,
  });
  const x = tf.randomNormal([2, 7, 7, 2], 0, 1, 'float32', 8);
  layer.apply(x);
  for (let i = 0; i < 60; i++) tf.dispose(layer.apply(x, { training: true }) as tf.Tensor);
  const kernel = layer.getWeights()[0];
  const sigma = spectralNorm(kernel.dataSync() as Float32Array, 4 * 4 * 2, 3);
  const out = layer.apply(x, { training: false }) as tf.Tensor;
  assert.deepEqual(out.shape, [2, 4, 4, 3]);
  const expected = tf.tidy(() => tf.conv2d(x as tf.Tensor4D, kernel.div(sigma) as tf.Tensor4D, 2, 'same'));
  const difference = tf.tidy(() => out.sub(expected).abs().max().dataSync()[0]);
  assert.ok(difference < 1e-4, `output differs from conv2d(x, W / sigma) by ${difference}`);
  tf.dispose([x, out, expected]);
});

test('SpectralDense: the kernel gradient is autodiff of W / (v W u^T) with u and v held fixed, in training', async () => {
  await initBackend();
  const layer = new SpectralDense({ name: 'sn_autodiff_test', units: 3, kernelInitializer: init, seed: 7 });
  const x = tf.randomNormal([4, 5], 0, 1, 'float32', 4);
  const weights = tf.randomNormal([4, 3], 0, 1, 'float32', 8);
  layer.apply(x);
  const kernel = layer.trainableWeights[0].read() as tf.Variable;
  const uBefore = tf.tensor(layer.getWeights()[2].dataSync(), [1, 3]) as tf.Tensor2D;
  const { grads } = tf.variableGrads(
    () => (layer.apply(x, { training: true }) as tf.Tensor).mul(weights).sum() as tf.Scalar,
    [kernel],
  );
  // The same step written plainly: one power-iteration step from u, then sigma from constants u and v.
  const normalize = (t: tf.Tensor2D) => t.div<tf.Tensor2D>(t.square().sum().add(1e-12).sqrt());
  const w0 = tf.tensor2d(kernel.dataSync(), [5, 3]);
  const v = normalize(tf.matMul(uBefore, w0, false, true));
  const u = normalize(tf.matMul(v, w0));
  const reference = tf.grad((w: tf.Tensor) => {
    const sigma = v
      .matMul(w as tf.Tensor2D)
      .matMul(u, false, true)
      .reshape([]);
    return x.matMul(w.div<tf.Tensor2D>(sigma)).add(layer.trainableWeights[1].read()).mul(weights).sum() as tf.Scalar;
  })(w0);
  const got = grads[kernel.name].dataSync();
  const want = reference.dataSync();
  const scale = Math.max(...want.map(Math.abs));
  want.forEach((value, i) =>
    assert.ok(Math.abs(got[i] - value) <= 1e-5 * scale, `kernel[${i}]: got ${got[i]}, autodiff gives ${value}`),
  );
  assert.deepEqual(Array.from(layer.getWeights()[2].dataSync()), Array.from(u.dataSync()), 'u moved one step');
});
