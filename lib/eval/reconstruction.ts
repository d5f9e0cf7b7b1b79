import type * as tf from '@tensorflow/tfjs';
import type { MnistSplit } from '../data/mnist.js';
import type { AdversarialModel } from '../models/adversarial-model.js';
import { classify } from './classifier.js';
import { reconstruct } from './samples.js';

/**
 * Reconstruction agreement: the share of the split's digits x whose reconstruction G(E(x)) the scoring classifier
 * labels as x's digit. E is taken at its mean (a stochastic E's z without noise) and a conditional G gets x's
 * label, as `reconstruct` does. A model that reconstructs perfectly scores the classifier's accuracy (99% on
 * the test set); one whose reconstructions ignore x scores about a tenth.
 */
export function reconstructionAgreement(
  model: AdversarialModel,
  classifier: tf.LayersModel,
  split: MnistSplit,
  batchSize = 1000,
): number {
  let agreeing = 0;
  for (let start = 0; start < split.count; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, split.count - start) }, (_, i) => start + i);
    const { reconstructions } = reconstruct(model, split, indices);
    const images = new Float32Array(reconstructions.length * reconstructions[0].length);
    reconstructions.forEach((r, i) => images.set(r, i * r.length));
    const labels = classify(classifier, images, indices.length);
    indices.forEach((j, i) => {
      if (labels[i] === split.labels[j]) agreeing++;
    });
  }
  return agreeing / split.count;
}
