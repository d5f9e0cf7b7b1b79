import { percent } from '../util/format.js';
import { type MnistSplit, PIXELS, takeFirst } from '../data/mnist.js';
import type { AdversarialModel } from '../models/adversarial-model.js';
import { embed } from '../eval/representation.js';
import { type Embeddings, knnClassifierAccuracy, nearestNeighbours } from '../eval/knn.js';
import { pca } from '../eval/pca.js';
import { tsne, type TsneOptions } from './tsne.js';

export interface LatentMap {
  /** [n * 2] the t-SNE map. */
  points: Float64Array;
  labels: Uint8Array;
  kl: number;
  /** 5-nearest-neighbour accuracy inside the map: train on the first half of the points, test on the rest. */
  knn5: number;
  seconds: number;
}

/** The 5NN accuracy of a 2-D map, first half against second half (the reproduction's reading of t-SNE maps). */
export function mapAccuracy(points: Float64Array, labels: Uint8Array, k = 5): number {
  const n = labels.length;
  const half = Math.floor(n / 2);
  const values = Float32Array.from(points);
  return knnClassifierAccuracy(
    { values: values.subarray(0, 2 * half), count: half, dim: 2 },
    labels.subarray(0, half),
    { values: values.subarray(2 * half), count: n - half, dim: 2 },
    labels.subarray(half),
    k,
  );
}

/** t-SNE of `data` (PCA to 50 dimensions first when it has more, as for raw pixels). */
export function latentMap(data: Embeddings, labels: Uint8Array, options: TsneOptions = {}): LatentMap {
  const input = data.dim > 50 ? { values: pca(data, 50).projected, count: data.count, dim: 50 } : data;
  const result = tsne(input, options);
  return {
    points: result.embedding,
    labels,
    kl: result.kl,
    knn5: mapAccuracy(result.embedding, labels),
    seconds: result.seconds,
  };
}

/** The map of the first `n` test digits: raw pixels when `model` is null, else the encoder's E(x). */
export function testSetMap(
  model: AdversarialModel | null,
  test: MnistSplit,
  n: number,
  options: TsneOptions = {},
): LatentMap {
  const split = takeFirst(test, n);
  const data = model ? embed(model, split, 'latent') : { values: split.images, count: split.count, dim: PIXELS };
  return latentMap(data, Uint8Array.from(split.labels), options);
}

/**
 * The digit pairs a map mixes most: for every point, the labels among its k nearest map neighbours that differ
 * from its own, counted per unordered pair and normalised by the number of points. The reproduction saw 4s and 9s
 * mix; this says which pairs do in a given map.
 */
export function mixedPairs(
  points: Float64Array,
  labels: Uint8Array,
  k = 5,
  top = 3,
): { pair: [number, number]; share: number }[] {
  const values = Float32Array.from(points);
  const all = { values, count: labels.length, dim: 2 };
  const { indices } = nearestNeighbours(all, all, k, { excludeSelf: true });
  const counts = new Map<string, number>();
  for (let i = 0; i < labels.length; i++) {
    for (let c = 0; c < k; c++) {
      const other = labels[indices[i * k + c]];
      if (other === labels[i]) continue;
      const key = [Math.min(other, labels[i]), Math.max(other, labels[i])].join('-');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, count]) => ({
      pair: key.split('-').map(Number) as [number, number],
      share: count / (labels.length * k),
    }));
}

/** {@link mixedPairs} as one line for a table: '4-9 (3.1%), 3-5 (2.2%), ...'. */
export function describeMixedPairs(pairs: { pair: [number, number]; share: number }[]): string {
  return pairs.map((p) => `${p.pair[0]}-${p.pair[1]} (${percent(p.share, 1)})`).join(', ');
}
