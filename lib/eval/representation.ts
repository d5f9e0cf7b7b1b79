import * as tf from '@tensorflow/tfjs';
import { type Mnist, type MnistSplit, PIXELS, takeFirst } from '../data/mnist.js';
import type { AdversarialModel } from '../models/adversarial-model.js';
import { type Embeddings, nearestNeighbourAccuracy } from './knn.js';
import { linearProbeAccuracy } from './linear-probe.js';
import { type EvaluationSplit, testSplit } from './evaluation-split.js';

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

/** 1NN accuracy of E(x) and of the encoder's penultimate layer over one split. */
export function nearestNeighbourScores(
  model: AdversarialModel,
  split: { reference: MnistSplit; queries: MnistSplit },
): {
  knnLatent: number;
  knnFeatures: number;
  latent: { reference: Embeddings; queries: Embeddings };
  featureSize: number;
} {
  const { reference, queries } = split;
  const latent = { reference: embed(model, reference, 'latent'), queries: embed(model, queries, 'latent') };
  const knnLatent = nearestNeighbourAccuracy(
    latent.reference,
    reference.labels,
    latent.queries,
    queries.labels,
  ).accuracy;
  const featuresReference = embed(model, reference, 'features');
  const featuresQueries = embed(model, queries, 'features');
  const knnFeatures = nearestNeighbourAccuracy(
    featuresReference,
    reference.labels,
    featuresQueries,
    queries.labels,
  ).accuracy;
  return { knnLatent, knnFeatures, latent, featureSize: featuresReference.dim };
}

/** The representation metrics of BiGAN's evaluation, on the first `trainLimit` / `testLimit` digits (0 = all). */
export function evaluateRepresentation(
  model: AdversarialModel,
  mnist: Mnist,
  options: { trainLimit?: number; testLimit?: number; probeEpochs?: number; split?: EvaluationSplit } = {},
): RepresentationMetrics {
  const started = performance.now();
  const split = options.split ?? testSplit(mnist);
  const train = options.trainLimit ? takeFirst(split.reference, options.trainLimit) : split.reference;
  const test = options.testLimit ? takeFirst(split.queries, options.testLimit) : split.queries;
  const { knnLatent, knnFeatures, latent, featureSize } = nearestNeighbourScores(model, {
    reference: train,
    queries: test,
  });
  const linearProbeLatent = linearProbeAccuracy(latent.reference, train.labels, latent.queries, test.labels, {
    epochs: options.probeEpochs ?? 20,
  });
  return {
    knnLatent,
    knnFeatures,
    linearProbeLatent,
    latentSize: latent.reference.dim,
    featureSize,
    trainCount: train.count,
    testCount: test.count,
    seconds: (performance.now() - started) / 1000,
  };
}

/** 1NN on raw pixels, reference -> queries: what a representation should beat, and the split's difficulty. */
export function pixelNearestNeighbour(split: Pick<EvaluationSplit, 'reference' | 'queries'>): number {
  const asEmbeddings = (s: MnistSplit) => ({ values: s.images, count: s.count, dim: PIXELS });
  return nearestNeighbourAccuracy(
    asEmbeddings(split.reference),
    split.reference.labels,
    asEmbeddings(split.queries),
    split.queries.labels,
  ).accuracy;
}
