import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/backend.js';
import { createAdam } from '../lib/optim/adam.js';

const SETTINGS = { learningRate: 0.01, beta1: 0.5, beta2: 0.999, weightDecay: 0.1 };

test('portable Adam matches a hand-computed first step, weight decay included', async () => {
  await initBackend({ backend: 'tensorflow' });
  const w = tf.variable(tf.tensor1d([1, -2]));
  const adam = createAdam([w], SETTINGS, { portable: true });
  adam.apply([tf.tensor1d([0.5, 0.25])]);
  // g' = g + 0.1 w = [0.6, 0.05]; m_hat = g', v_hat = g'^2, so the step is lr * g' / (|g'| + eps) = lr * sign(g').
  const got = w.dataSync();
  assert.ok(Math.abs(got[0] - (1 - 0.01)) < 1e-6, `${got[0]}`);
  assert.ok(Math.abs(got[1] - (-2 - 0.01)) < 1e-6, `${got[1]}`);
  adam.dispose();
  w.dispose();
});

test('the native fused Adam follows the portable one over many steps, state round trip included', async () => {
  const report = await initBackend({ backend: 'tensorflow' });
  assert.equal(report.backend, 'tensorflow');
  const start = tf.randomNormal([64, 32], 0, 1, 'float32', 1);
  const a = tf.variable(start.clone());
  const b = tf.variable(start.clone());
  const native = createAdam([a], SETTINGS);
  const portable = createAdam([b], SETTINGS, { portable: true });
  for (let step = 0; step < 20; step++) {
    const g = tf.randomNormal([64, 32], 0, 1, 'float32', 100 + step);
    native.apply([g]);
    portable.apply([g]);
    g.dispose();
  }
  const diff = tf.tidy(() => a.sub(b).abs().max().dataSync()[0]);
  // The weights travel up to 20 x lr = 0.2; float32 round-off in two differently ordered kernels, and
  // TensorFlow's epsilon placement, leave them within 5e-5 of each other (1.4e-5 measured).
  assert.ok(diff < 5e-5, `max difference ${diff}`);
  const state = native.getState();
  assert.equal(state.step, 20);
  const restored = createAdam([tf.variable(start.clone())], SETTINGS);
  restored.setState(state);
  const back = restored.getState();
  assert.ok(tf.tidy(() => back.secondMoments[0].sub(state.secondMoments[0]).abs().max().dataSync()[0]) === 0);
  assert.throws(
    () => restored.setState({ step: 1, firstMoments: [tf.zeros([2])], secondMoments: [tf.zeros([2])] }),
    /has shape \[2\], the variable has \[64,32\]/,
  );
  tf.dispose([...state.firstMoments, ...state.secondMoments, ...back.firstMoments, ...back.secondMoments, start]);
  [native, portable, restored].forEach((o) => o.dispose());
});
