import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/backend.js';
import { loadMnist, PIXELS, takeFirst } from '../lib/data/mnist.js';
import { classifierAccuracy, classify, loadClassifier } from '../lib/eval/classifier.js';
import { reconstructionAgreement } from '../lib/eval/reconstruction.js';
import type { AdversarialModel } from '../lib/models/adversarial-model.js';

/** A stand-in model: E is the identity on pixels and G applies `decode` to z. */
function handMade(decode: (z: tf.Tensor2D) => tf.Tensor2D, conditional = false): AdversarialModel {
  return {
    conditional,
    encode: (images: tf.Tensor2D) => images.clone(),
    latentOf: (encoded: tf.Tensor2D) => encoded,
    generate: (latents: tf.Tensor2D, labels?: tf.Tensor1D) => {
      if (conditional) assert.ok(labels, 'a conditional G is given the labels');
      return decode(latents);
    },
  } as unknown as AdversarialModel;
}

test('reconstruction agreement: a perfect reconstruction scores the classifier accuracy, a constant one its digit share', async () => {
  await initBackend();
  const classifier = await loadClassifier();
  const split = takeFirst(loadMnist().test, 1500);

  const perfect = reconstructionAgreement(
    handMade((z) => z.clone()),
    classifier,
    split,
    400,
  );
  assert.equal(perfect, classifierAccuracy(classifier, split));
  assert.ok(perfect > 0.97, `the classifier reads test digits (${perfect})`);

  // G ignores z and always draws the first test digit: it agrees exactly with the digits of that class.
  const first = split.images.slice(0, PIXELS);
  const label = classify(classifier, first, 1)[0];
  const constant = reconstructionAgreement(
    handMade((z) => tf.tile(tf.tensor2d(first, [1, PIXELS]), [z.shape[0], 1])),
    classifier,
    split,
  );
  const share = Array.from(split.labels).filter((l) => l === label).length / split.count;
  assert.equal(constant, share);

  // A conditional model's G is handed x's label.
  assert.equal(
    reconstructionAgreement(
      handMade((z) => z.clone(), true),
      classifier,
      split,
    ),
    perfect,
  );
});
