import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/backend.js';
import { biganDiscriminatorLoss, biganEncoderGeneratorLoss, sigmoidCrossEntropy } from '../lib/losses/adversarial.js';

const close = (a: number, b: number, tol = 1e-5) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('sigmoid cross-entropy from logits matches -log(sigmoid) and stays finite for huge logits', async () => {
  await initBackend();
  const logits = tf.tensor1d([0, 2, -3]);
  // -log(sigmoid(t)) = log(1 + e^-t): [0.693147, 0.126928, 3.048587]
  close(sigmoidCrossEntropy(logits, 1).dataSync()[0], (0.693147 + 0.126928 + 3.048587) / 3);
  // -log(1 - sigmoid(t)) = log(1 + e^t): [0.693147, 2.126928, 0.048587]
  close(sigmoidCrossEntropy(logits, 0).dataSync()[0], (0.693147 + 2.126928 + 0.048587) / 3);
  close(sigmoidCrossEntropy(tf.tensor1d([1000, -1000]), 1).dataSync()[0], 500);
  close(sigmoidCrossEntropy(tf.tensor1d([1000, -1000]), 0).dataSync()[0], 500);
});

test('BiGAN losses: D calls encoder pairs real, E and G swap the labels', async () => {
  await initBackend();
  const encoderLogits = tf.tensor2d([[2], [0]]);
  const generatorLogits = tf.tensor2d([[-1], [1]]);
  const d = biganDiscriminatorLoss(encoderLogits, generatorLogits);
  close(d.discriminatorEncoder.dataSync()[0], (0.126928 + 0.693147) / 2);
  close(d.discriminatorGenerator.dataSync()[0], (0.313262 + 1.313262) / 2);
  close(d.total.dataSync()[0], d.discriminatorEncoder.dataSync()[0] + d.discriminatorGenerator.dataSync()[0]);
  const eg = biganEncoderGeneratorLoss(encoderLogits, generatorLogits);
  close(eg.encoder.dataSync()[0], (2.126928 + 0.693147) / 2);
  close(eg.generator.dataSync()[0], (1.313262 + 0.313262) / 2);
});
