import * as tf from '@tensorflow/tfjs';

export interface Embeddings {
  /** Row-major [count, dim]. */
  values: Float32Array;
  count: number;
  dim: number;
}

export interface NearestNeighbourResult {
  /** Fraction of queries whose nearest training point has the same label. */
  accuracy: number;
  /** Index into the training set of each query's nearest neighbour. */
  neighbours: Int32Array;
  predictions: Uint8Array;
  seconds: number;
}

export interface NearestNeighbourOptions {
  /** Queries per backend matmul: [batch, dim] x [dim, train] distances live at once. */
  batchSize?: number;
  /** Candidates re-ranked exactly in float64, so float32 round-off cannot pick a different neighbour. */
  candidates?: number;
}

function checkEmbeddings(name: string, e: Embeddings, labels: ArrayLike<number>): void {
  if (e.values.length !== e.count * e.dim) throw new Error(`${name}: ${e.values.length} values is not count ${e.count} x dim ${e.dim}`);
  if (labels.length !== e.count) throw new Error(`${name}: ${labels.length} labels for ${e.count} embeddings`);
}

function squaredDistance64(a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number): number {
  let sum = 0;
  for (let k = 0; k < dim; k++) {
    const d = a[ai * dim + k] - b[bi * dim + k];
    sum += d * d;
  }
  return sum;
}

/**
 * 1-nearest-neighbour classification by Euclidean distance, as scikit-learn's
 * `KNeighborsClassifier(n_neighbors=1, algorithm='brute')`: each query takes the label of its nearest training
 * point, the lower index winning an exact tie. Distances run on the backend in batches
 * (|q|^2 - 2 q.t + |t|^2 as one matmul); the few closest candidates are then compared exactly in float64.
 */
export function nearestNeighbourAccuracy(
  train: Embeddings,
  trainLabels: ArrayLike<number>,
  test: Embeddings,
  testLabels: ArrayLike<number>,
  options: NearestNeighbourOptions = {},
): NearestNeighbourResult {
  checkEmbeddings('train', train, trainLabels);
  checkEmbeddings('test', test, testLabels);
  if (train.dim !== test.dim) throw new Error(`train dim ${train.dim} differs from test dim ${test.dim}`);
  const batchSize = options.batchSize ?? 512;
  const k = Math.min(options.candidates ?? 8, train.count);
  const started = performance.now();
  const trainT = tf.tensor2d(train.values, [train.count, train.dim]);
  const trainNorms = tf.tidy(() => trainT.square().sum(1).reshape([1, train.count]));
  const neighbours = new Int32Array(test.count);
  const predictions = new Uint8Array(test.count);
  let correct = 0;
  for (let start = 0; start < test.count; start += batchSize) {
    const end = Math.min(start + batchSize, test.count);
    const candidates = tf.tidy(() => {
      const q = tf.tensor2d(test.values.subarray(start * test.dim, end * test.dim), [end - start, test.dim]);
      // |q|^2 is the same for every candidate of a query, so it does not change the ranking.
      const scores = trainNorms.sub(tf.matMul(q, trainT, false, true).mul(2));
      return tf.topk(scores.neg(), k, true).indices;
    });
    const idx = candidates.dataSync() as Int32Array;
    candidates.dispose();
    for (let i = start; i < end; i++) {
      let best = -1;
      let bestDistance = Infinity;
      for (let c = 0; c < k; c++) {
        const j = idx[(i - start) * k + c];
        const d = squaredDistance64(test.values, i, train.values, j, train.dim);
        if (d < bestDistance || (d === bestDistance && j < best)) {
          best = j;
          bestDistance = d;
        }
      }
      neighbours[i] = best;
      predictions[i] = trainLabels[best];
      if (predictions[i] === testLabels[i]) correct++;
    }
  }
  tf.dispose([trainT, trainNorms]);
  return { accuracy: correct / test.count, neighbours, predictions, seconds: (performance.now() - started) / 1000 };
}
