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
  if (e.values.length !== e.count * e.dim)
    throw new Error(`${name}: ${e.values.length} values is not count ${e.count} x dim ${e.dim}`);
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

export interface NeighbourLists {
  /** [queries * k] indices into the reference set, nearest first. */
  indices: Int32Array;
  /** [queries * k] squared Euclidean distances, exact in float64, matching `indices`. */
  distances: Float64Array;
  k: number;
}

/**
 * The k nearest reference points of every query by Euclidean distance, the lower index first on an exact tie.
 * Distances run on the backend in batches (|q|^2 - 2 q.r + |r|^2 as one matmul, then top-k); the few closest
 * candidates are then compared exactly in float64, so float32 round-off cannot reorder them.
 * With `excludeSelf` (query and reference the same set) a point is not its own neighbour.
 */
export function nearestNeighbours(
  query: Embeddings,
  reference: Embeddings,
  k: number,
  options: NearestNeighbourOptions & { excludeSelf?: boolean } = {},
): NeighbourLists {
  if (query.dim !== reference.dim)
    throw new Error(`query dim ${query.dim} differs from reference dim ${reference.dim}`);
  const excludeSelf = options.excludeSelf ?? false;
  if (k < 1 || k + (excludeSelf ? 1 : 0) > reference.count)
    throw new Error(`k = ${k} needs more than ${reference.count} reference points`);
  const batchSize = options.batchSize ?? 512;
  const wanted = k + (excludeSelf ? 1 : 0);
  const candidateCount = Math.min(wanted + (options.candidates ?? 8), reference.count);
  const referenceTensor = tf.tensor2d(reference.values, [reference.count, reference.dim]);
  const referenceNorms = tf.tidy(() => referenceTensor.square().sum(1).reshape([1, reference.count]));
  const indices = new Int32Array(query.count * k);
  const distances = new Float64Array(query.count * k);
  const candidate = new Int32Array(candidateCount);
  const candidateDistance = new Float64Array(candidateCount);
  const order = new Int32Array(candidateCount);
  for (let start = 0; start < query.count; start += batchSize) {
    const end = Math.min(start + batchSize, query.count);
    const top = tf.tidy(() => {
      const q = tf.tensor2d(query.values.subarray(start * query.dim, end * query.dim), [end - start, query.dim]);
      // |q|^2 is the same for every candidate of a query, so it does not change the ranking.
      const scores = referenceNorms.sub(tf.matMul(q, referenceTensor, false, true).mul(2));
      return tf.topk(scores.neg(), candidateCount, true).indices;
    });
    const idx = top.dataSync() as Int32Array;
    top.dispose();
    for (let i = start; i < end; i++) {
      let n = 0;
      for (let c = 0; c < candidateCount; c++) {
        const j = idx[(i - start) * candidateCount + c];
        if (excludeSelf && j === i) continue;
        candidate[n] = j;
        candidateDistance[n] = squaredDistance64(query.values, i, reference.values, j, reference.dim);
        order[n] = n;
        n++;
      }
      const sorted = Array.from(order.subarray(0, n)).sort(
        (a, b) => candidateDistance[a] - candidateDistance[b] || candidate[a] - candidate[b],
      );
      for (let c = 0; c < k; c++) {
        indices[i * k + c] = candidate[sorted[c]];
        distances[i * k + c] = candidateDistance[sorted[c]];
      }
    }
  }
  tf.dispose([referenceTensor, referenceNorms]);
  return { indices, distances, k };
}

/**
 * 1-nearest-neighbour classification by Euclidean distance, as scikit-learn's
 * `KNeighborsClassifier(n_neighbors=1, algorithm='brute')`: each query takes the label of its nearest training
 * point, the lower index winning an exact tie.
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
  const started = performance.now();
  const { indices: neighbours } = nearestNeighbours(test, train, 1, options);
  const predictions = new Uint8Array(test.count);
  let correct = 0;
  for (let i = 0; i < test.count; i++) {
    predictions[i] = trainLabels[neighbours[i]];
    if (predictions[i] === testLabels[i]) correct++;
  }
  return { accuracy: correct / test.count, neighbours, predictions, seconds: (performance.now() - started) / 1000 };
}

/**
 * k-nearest-neighbour classification by majority vote, as scikit-learn's KNeighborsClassifier with uniform
 * weights (a tied vote goes to the smaller label): the accuracy of a t-SNE map, for instance.
 */
export function knnClassifierAccuracy(
  train: Embeddings,
  trainLabels: ArrayLike<number>,
  test: Embeddings,
  testLabels: ArrayLike<number>,
  k: number,
): number {
  const { indices } = nearestNeighbours(test, train, k);
  let correct = 0;
  const votes = new Map<number, number>();
  for (let i = 0; i < test.count; i++) {
    votes.clear();
    for (let c = 0; c < k; c++) {
      const label = trainLabels[indices[i * k + c]];
      votes.set(label, (votes.get(label) ?? 0) + 1);
    }
    let best = -1;
    for (const [label, count] of votes)
      if (best < 0 || count > votes.get(best)! || (count === votes.get(best)! && label < best)) best = label;
    if (best === testLabels[i]) correct++;
  }
  return correct / test.count;
}
