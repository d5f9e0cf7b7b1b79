import * as tf from '@tensorflow/tfjs';
import { type Mnist, type MnistSplit, PIXELS, takeFirst } from '../data/mnist.js';
import type { AdversarialModel } from '../models/adversarial-model.js';
import { type Embeddings, nearestNeighbourAccuracy } from './knn.js';
import { linearProbeAccuracy } from './linear-probe.js';

/** Encodes a split in inference mode, in batches: E(x) (`latent`) or the encoder's penultimate layer (`features`). */
export function embed(
  model: AdversarialModel,
  split: MnistSplit,
  which: 'latent' | 'features',
  batchSize = 1000,
): Embeddings {
  const parts: Float32Array[] = [];
  let dim = 0;
  for (let start = 0; start < split.count; start += batchSize) {
    const end = Math.min(start + batchSize, split.count);
    const out = tf.tidy(() => {
      const x = tf.tensor2d(split.images.subarray(start * PIXELS, end * PIXELS), [end - start, PIXELS]);
      return which === 'latent' ? model.encode(x) : model.encodeFeatures(x);
    });
    dim = out.shape[1];
    parts.push(out.dataSync() as Float32Array);
    out.dispose();
  }
  const values = new Float32Array(split.count * dim);
  let offset = 0;
  for (const p of parts) {
    values.set(p, offset);
    offset += p.length;
  }
  return { values, count: split.count, dim };
}

export interface RepresentationMetrics {
  /** 1NN accuracy of E(x), train -> test. */
  knnLatent: number;
  /** 1NN accuracy of the encoder's penultimate layer. */
  knnFeatures: number;
  /** Logistic regression on frozen E(x). */
  linearProbeLatent: number;
  latentSize: number;
  featureSize: number;
  trainCount: number;
  testCount: number;
  seconds: number;
}

/** The representation metrics of BiGAN's evaluation, on the first `trainLimit` / `testLimit` digits (0 = all). */
export function evaluateRepresentation(
  model: AdversarialModel,
  mnist: Mnist,
  options: { trainLimit?: number; testLimit?: number; probeEpochs?: number } = {},
): RepresentationMetrics {
  const started = performance.now();
  const train = options.trainLimit ? takeFirst(mnist.train, options.trainLimit) : mnist.train;
  const test = options.testLimit ? takeFirst(mnist.test, options.testLimit) : mnist.test;
  const latentTrain = embed(model, train, 'latent');
  const latentTest = embed(model, test, 'latent');
  const knnLatent = nearestNeighbourAccuracy(latentTrain, train.labels, latentTest, test.labels).accuracy;
  const featuresTrain = embed(model, train, 'features');
  const featuresTest = embed(model, test, 'features');
  const knnFeatures = nearestNeighbourAccuracy(featuresTrain, train.labels, featuresTest, test.labels).accuracy;
  const linearProbeLatent = linearProbeAccuracy(latentTrain, train.labels, latentTest, test.labels, {
    epochs: options.probeEpochs ?? 20,
  });
  return {
    knnLatent,
    knnFeatures,
    linearProbeLatent,
    latentSize: latentTrain.dim,
    featureSize: featuresTrain.dim,
    trainCount: train.count,
    testCount: test.count,
    seconds: (performance.now() - started) / 1000,
  };
}
