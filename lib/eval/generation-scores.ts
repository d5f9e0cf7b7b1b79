import * as tf from '@tensorflow/tfjs';
import { loadMnist, type MnistSplit, NUM_CLASSES, takeFirst } from '../data/mnist.js';
import type { AdversarialModel } from '../models/adversarial-model.js';
import { classifierFeatures, classifierLogits, loadClassifier } from './classifier.js';
import { frechetDistance, frechetDistanceInterval, inceptionScore } from './gan-scores.js';

/** IS and FID of `count` samples G(z) against as many test digits, on the classifier's logits. */
export async function sampleScores(
  model: AdversarialModel,
  count: number,
  seed = 99,
): Promise<{ inceptionScore: number; frechetDistance: number }> {
  return scoreSamples(model, await loadClassifier(), count, seed);
}

/**
 * {@link sampleScores} with the classifier at hand: synchronous, so a training step's callback can call it. FID's
 * real side is the first `count` digits of `real` (the test set unless given: a learning curve passes the
 * validation split).
 */
export function scoreSamples(
  model: AdversarialModel,
  classifier: tf.LayersModel,
  count: number,
  seed = 99,
  realSplit: MnistSplit = loadMnist().test,
): { inceptionScore: number; frechetDistance: number } {
  const samples = tf.tidy(() => model.generate(model.samplePrior(count, seed)));
  const fake = classifierLogits(classifier, samples.dataSync() as Float32Array, count);
  samples.dispose();
  const test = takeFirst(realSplit, count);
  const real = classifierLogits(classifier, test.images, test.count);
  return {
    inceptionScore: inceptionScore(fake, count),
    frechetDistance: frechetDistance(fake, count, real, test.count, NUM_CLASSES),
  };
}

/** FID read more closely: on the penultimate layer as well as the logits, each with a bootstrap interval. */
export interface FrechetDetail {
  /** 95% bootstrap interval of the logits' FID (samples and test digits resampled). */
  frechetDistanceCi95: [number, number];
  /** FID on the classifier's 128-unit penultimate layer. */
  frechetDistancePenultimate: number;
  frechetDistancePenultimateCi95: [number, number];
}

/**
 * IS and FID of `count` samples against as many test digits ({@link scoreSamples}), and the {@link FrechetDetail}:
 * the evaluation of a confirmatory table.
 */
export async function detailedSampleScores(
  model: AdversarialModel,
  count: number,
  seed = 99,
): Promise<{ inceptionScore: number; frechetDistance: number } & FrechetDetail> {
  const classifier = await loadClassifier();
  const samples = tf.tidy(() => model.generate(model.samplePrior(count, seed)));
  const images = samples.dataSync() as Float32Array;
  samples.dispose();
  const test = takeFirst(loadMnist().test, count);
  const [fake, real] = [classifierLogits(classifier, images, count), classifierLogits(classifier, test.images, count)];
  const fakeFeatures = classifierFeatures(classifier, images, count);
  const realFeatures = classifierFeatures(classifier, test.images, count);
  const units = fakeFeatures.length / count;
  return {
    inceptionScore: inceptionScore(fake, count),
    frechetDistance: frechetDistance(fake, count, real, count, NUM_CLASSES),
    frechetDistanceCi95: frechetDistanceInterval(fake, count, real, count, NUM_CLASSES),
    frechetDistancePenultimate: frechetDistance(fakeFeatures, count, realFeatures, count, units),
    frechetDistancePenultimateCi95: frechetDistanceInterval(fakeFeatures, count, realFeatures, count, units),
  };
}

/** FID between two sets of real digits, on the classifier's logits and on its penultimate layer. */
export async function frechetDistanceBetween(
  a: MnistSplit,
  b: MnistSplit,
): Promise<{ logits: number; penultimate: number }> {
  const classifier = await loadClassifier();
  const [fa, fb] = [a, b].map((s) => classifierFeatures(classifier, s.images, s.count));
  const [la, lb] = [a, b].map((s) => classifierLogits(classifier, s.images, s.count));
  return {
    logits: frechetDistance(la, a.count, lb, b.count, NUM_CLASSES),
    penultimate: frechetDistance(fa, a.count, fb, b.count, fa.length / a.count),
  };
}

/**
 * The real-data floor of FID: `count` training digits against `count` test digits. A generator that drew real
 * digits would score about this, not zero: differences between rows smaller than the floor mean little.
 */
export async function frechetDistanceFloor(count = 5000): Promise<{ logits: number; penultimate: number }> {
  const { train, test } = loadMnist();
  return frechetDistanceBetween(takeFirst(train, count), takeFirst(test, count));
}

/** The scores of the real test set against itself: the sanity check of the scoring classifier (IS about 9.9). */
export async function realDataScores(count = 10000): Promise<{ inceptionScore: number }> {
  const classifier = await loadClassifier();
  const test = takeFirst(loadMnist().test, count);
  return { inceptionScore: inceptionScore(classifierLogits(classifier, test.images, test.count), test.count) };
}
