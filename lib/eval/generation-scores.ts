import * as tf from '@tensorflow/tfjs';
import { loadMnist, NUM_CLASSES, takeFirst } from '../data/mnist.js';
import type { AdversarialModel } from '../models/adversarial-model.js';
import { classifierLogits, loadClassifier } from './classifier.js';
import { frechetDistance, inceptionScore } from './gan-scores.js';

/** IS and FID of `count` samples G(z) against as many test digits, on the classifier's logits. */
export async function sampleScores(
  model: AdversarialModel,
  count: number,
  seed = 99,
): Promise<{ inceptionScore: number; frechetDistance: number }> {
  return scoreSamples(model, await loadClassifier(), count, seed);
}

/** {@link sampleScores} with the classifier at hand: synchronous, so a training step's callback can call it. */
export function scoreSamples(
  model: AdversarialModel,
  classifier: tf.LayersModel,
  count: number,
  seed = 99,
): { inceptionScore: number; frechetDistance: number } {
  const samples = tf.tidy(() => model.generate(model.samplePrior(count, seed)));
  const fake = classifierLogits(classifier, samples.dataSync() as Float32Array, count);
  samples.dispose();
  const test = takeFirst(loadMnist().test, count);
  const real = classifierLogits(classifier, test.images, test.count);
  return {
    inceptionScore: inceptionScore(fake, count),
    frechetDistance: frechetDistance(fake, count, real, test.count, NUM_CLASSES),
  };
}

/** The scores of the real test set against itself: the sanity check of the scoring classifier (IS about 9.9). */
export async function realDataScores(count = 10000): Promise<{ inceptionScore: number }> {
  const classifier = await loadClassifier();
  const test = takeFirst(loadMnist().test, count);
  return { inceptionScore: inceptionScore(classifierLogits(classifier, test.images, test.count), test.count) };
}
