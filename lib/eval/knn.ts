import * as tf from '@tensorflow/tfjs';
import type { Embeddings } from './embeddings.js';
import { boundingMap, FLOAT32_U, float32Gamma, leadingAxes } from './projected-bound.js';

export type { Embeddings };

export interface NearestNeighbourResult {
  /** Fraction of queries whose nearest training point has the same label. */
  accuracy: number;
  /** Index into the training set of each query's nearest neighbour. */
  neighbours: Int32Array;
  predictions: Uint8Array;
  seconds: number;
}

export interface NearestNeighbourOptions {
  /** Queries per backend matmul: [batch, reference count] scores live at once. */
  batchSize?: number;
  /**
   * Axes of the lower-bound projection that prunes the candidates of a few-neighbour search (0: none). By default
   * {@link PROJECTION_AXES} where the points have at least four times as many coordinates and the reference set is
   * large, as raw MNIST pixels or a 1024-unit layer are; never for many neighbours.
   */
  projectionAxes?: number;
}

/** Axes of the default lower-bound projection: 128 of MNIST's 718 used pixels leave about seven candidates a query. */
export const PROJECTION_AXES = 128;
/** References below which the projection's set-up costs more than it saves. */
const PROJECTION_MIN_REFERENCES = 8192;

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

/** References per block: the backend reduces each block of scores to its maximum. */
const BLOCK = 8;
/** Up to this many neighbours (self included) are found through block maxima; more through a top-k. */
const MOST_BY_BLOCKS = 8;
/** Candidates beyond the wanted neighbours that the top-k route fetches. */
const EXTRA_CANDIDATES = 8;

/**
 * The k nearest reference points of every query by Euclidean distance, the lower index first on an exact tie,
 * exact in float64 however close the float32 arithmetic on the backend comes to a tie.
 *
 * The backend computes, for a batch of queries q and every reference r, the score q.r - |r|^2 / 2 (one matmul of
 * [q, 1] with [r, -|r|^2 / 2]; the nearest reference has the largest score). A reference can be one of the k
 * nearest only if its score is within 2E of the k-th largest score, E being the worst float32 error of one score
 * (gamma_{n+1} (|q| R + R^2), R the largest reference norm: Higham's bound for a dot product), so no rounding
 * can hide a neighbour. Every such candidate is then measured exactly in float64. The candidates come back in
 * one of two ways:
 * - few neighbours (1NN, a map's 5NN): each block of 8 references is reduced to its maximum on the backend and
 *   only the block maxima come back; the references of the blocks within 2E of the k-th largest maximum are the
 *   candidates (about ten for 1NN on MNIST). No top-k over all references, and the arithmetic is the one matmul;
 * - many (t-SNE's 90): a top-k of k + 8 scores; a query whose last fetched score is still within 2E of its k-th
 *   is measured exactly against every reference.
 * Few neighbours in many dimensions (1NN on pixels) go through a projection first ({@link projectedBlocks}): the
 * one matmul then has p + 2 columns instead of the points' dimension.
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
  const batchSize = options.batchSize ?? 1024;
  const wanted = k + (excludeSelf ? 1 : 0);
  // A coordinate that is 0 in every point adds nothing to any distance (MNIST's always-blank border pixels).
  const used = usedCoordinates([query, reference]);
  const axes =
    options.projectionAxes ??
    (used.length >= 4 * PROJECTION_AXES && reference.count >= PROJECTION_MIN_REFERENCES ? PROJECTION_AXES : 0);
  if (wanted <= MOST_BY_BLOCKS && axes > 0) {
    if (axes >= used.length)
      throw new Error(`projectionAxes ${axes} must be fewer than the ${used.length} coordinates in use`);
    return projectedBlocks(query, reference, k, wanted, excludeSelf, used, axes, batchSize);
  }
  return directSearch(query, reference, { k, wanted, excludeSelf, used, batchSize });
}

/**
 * The direct route of {@link nearestNeighbours}: scores on the used coordinates themselves, candidates from block
 * maxima (few neighbours) or from a top-k (many), each measured exactly.
 */
function directSearch(
  query: Embeddings,
  reference: Embeddings,
  search: { k: number; wanted: number; excludeSelf: boolean; used: Int32Array; batchSize: number },
): NeighbourLists {
  const { k, wanted, excludeSelf, used, batchSize } = search;
  const { dim } = reference;
  const byBlocks = wanted <= MOST_BY_BLOCKS;
  const blocks = Math.ceil(reference.count / BLOCK);
  const fetched = Math.min(wanted + EXTRA_CANDIDATES, reference.count);
  let largestNorm = 0;
  for (let j = 0; j < reference.count; j++)
    largestNorm = Math.max(largestNorm, Math.sqrt(squaredNorm64(reference.values, j, dim)));
  const keep = (t: tf.Tensor2D) => (used.length < dim ? tf.gather(t, used, 1) : t);
  const gamma = float32Gamma(used.length + 1);
  const augmented = tf.tidy(() => {
    const r = keep(tf.tensor2d(reference.values, [reference.count, dim]));
    return scoreRows(r, r.square().sum(1, true).mul(-0.5), byBlocks ? blocks : null);
  });
  const indices = new Int32Array(query.count * k);
  const distances = new Float64Array(query.count * k);
  const scratch = new Float64Array(blocks);
  const candidates = new CandidateList();
  for (let start = 0; start < query.count; start += batchSize) {
    const end = Math.min(start + batchSize, query.count);
    const rows = end - start;
    const [values, tops] = tf.tidy(() => {
      const q = keep(tf.tensor2d(query.values.subarray(start * dim, end * dim), [rows, dim]));
      const scores = tf.matMul(tf.concat([q, tf.ones([rows, 1])], 1), augmented, false, true);
      // Block b holds references b, b + blocks, b + 2 blocks, ...: reducing the middle axis is the faster reduction.
      if (byBlocks) return [scores.reshape([rows, BLOCK, blocks]).max(1)];
      const top = tf.topk(scores, fetched, true);
      return [top.values, top.indices];
    });
    const scoreValues = values.dataSync();
    const topIndices = tops?.dataSync();
    tf.dispose([values, tops]);
    for (let i = start; i < end; i++) {
      const exact = (j: number) => {
        if (!(excludeSelf && j === i)) candidates.add(j, squaredDistance64(query.values, i, reference.values, j, dim));
      };
      const tolerance = 2 * gamma * (Math.sqrt(squaredNorm64(query.values, i, dim)) * largestNorm + largestNorm ** 2);
      candidates.clear();
      if (byBlocks) {
        const row = scoreValues.subarray((i - start) * blocks, (i - start + 1) * blocks);
        const threshold = kthLargest(row, Math.min(wanted, blocks), scratch) - tolerance;
        for (let b = 0; b < blocks; b++) {
          if (row[b] < threshold) continue;
          for (let j = b; j < reference.count; j += blocks) exact(j);
        }
      } else {
        const row = scoreValues.subarray((i - start) * fetched, (i - start + 1) * fetched);
        const threshold = row[wanted - 1] - tolerance;
        if (fetched < reference.count && row[fetched - 1] >= threshold) {
          for (let j = 0; j < reference.count; j++) exact(j);
        } else {
          for (let c = 0; c < fetched; c++) if (row[c] >= threshold) exact(topIndices![(i - start) * fetched + c]);
        }
      }
      candidates.nearest(k, indices.subarray(i * k, (i + 1) * k), distances.subarray(i * k, (i + 1) * k));
    }
  }
  augmented.dispose();
  return { indices, distances, k };
}

/**
 * Few neighbours through a lower bound: every point is mapped to u(x) in p + 1 dimensions with
 * |u(q) - u(r)| <= |q - r| + slack (see {@link boundingMap}). Against the u's the backend computes the same block
 * maxima of scores as the direct route. For each query, the references of its `wanted` best blocks are measured
 * exactly, and the k-th smallest of those distances, D, bounds the true k-th. A true neighbour r then has
 * |u~(q) - u~(r)| <= sqrt(D) + slack[q] + the largest slack, which is a score threshold; every block whose maximum
 * reaches it, less the float32 error of a score, is measured exactly too. Nothing can be missed, and the matmul has
 * p + 2 columns instead of the points' dimension.
 */
function projectedBlocks(
  query: Embeddings,
  reference: Embeddings,
  k: number,
  wanted: number,
  excludeSelf: boolean,
  used: Int32Array,
  p: number,
  batchSize: number,
): NeighbourLists {
  const { dim } = reference;
  const basis = leadingAxes(reference, used, p);
  const refs = boundingMap(reference, used, basis, p);
  const queries = query === reference ? refs : boundingMap(query, used, basis, p);
  const dims = refs.dims;
  const blocks = Math.ceil(reference.count / BLOCK);
  let largestNorm = 0;
  let largestSlack = 0;
  for (let j = 0; j < refs.count; j++) {
    largestNorm = Math.max(largestNorm, Math.sqrt(refs.squaredNorms[j]));
    largestSlack = Math.max(largestSlack, refs.slack[j]);
  }
  const gamma = float32Gamma(dims + 2);
  const augmented = tf.tidy(() => {
    const shift = Float32Array.from(refs.squaredNorms, (n2) => -n2 / 2);
    return scoreRows(tf.tensor2d(refs.values, [refs.count, dims]), tf.tensor2d(shift, [refs.count, 1]), blocks);
  });
  const indices = new Int32Array(query.count * k);
  const distances = new Float64Array(query.count * k);
  const scratch = new Float64Array(blocks);
  const measured = new Uint8Array(blocks);
  const candidates = new CandidateList();
  const best = { indices: new Int32Array(k), distances: new Float64Array(k) };
  for (let start = 0; start < query.count; start += batchSize) {
    const end = Math.min(start + batchSize, query.count);
    const rows = end - start;
    const maxima = tf.tidy(() => {
      const q = tf.tensor2d(queries.values.subarray(start * dims, end * dims), [rows, dims]);
      const scores = tf.matMul(tf.concat([q, tf.ones([rows, 1])], 1), augmented, false, true);
      return scores.reshape([rows, BLOCK, blocks]).max(1);
    });
    const scoreValues = maxima.dataSync();
    maxima.dispose();
    for (let i = start; i < end; i++) {
      const row = scoreValues.subarray((i - start) * blocks, (i - start + 1) * blocks);
      candidates.clear();
      measured.fill(0);
      const exact = (j: number) => {
        if (!(excludeSelf && j === i)) candidates.add(j, squaredDistance64(query.values, i, reference.values, j, dim));
      };
      // The `wanted` best blocks hold at least k references other than the query itself.
      const top = kthLargest(row, Math.min(wanted, blocks), scratch);
      for (let b = 0; b < blocks; b++) {
        if (row[b] < top) continue;
        measured[b] = 1;
        for (let j = b; j < reference.count; j += blocks) exact(j);
      }
      candidates.nearest(k, best.indices, best.distances);
      const queryNorm2 = queries.squaredNorms[i];
      const reach = Math.sqrt(best.distances[k - 1]) + queries.slack[i];
      const radius = reach + largestSlack;
      const scoreError = gamma * (Math.sqrt(queryNorm2) * largestNorm + largestNorm ** 2) * 1.01;
      const threshold = (queryNorm2 - radius ** 2) / 2 - scoreError - FLOAT32_U * largestNorm ** 2;
      // A block that reaches the threshold holds a reference that may be a neighbour: each of its references is
      // measured exactly only if its own bound, in float64 on the p + 1 stored coordinates, allows it.
      for (let b = 0; b < blocks; b++) {
        if (measured[b] || row[b] < threshold) continue;
        for (let j = b; j < reference.count; j += blocks) {
          const limit = (reach + refs.slack[j]) * (1 + 1e-12);
          if (squaredDistance64(queries.values, i, refs.values, j, dims) <= limit * limit) exact(j);
        }
      }
      candidates.nearest(k, indices.subarray(i * k, (i + 1) * k), distances.subarray(i * k, (i + 1) * k));
    }
  }
  augmented.dispose();
  return { indices, distances, k };
}

/**
 * The references as the score matmul takes them, [r, -|r|^2 / 2]; with `blocks`, padded to whole blocks with rows
 * whose score is -1e30, which no block maximum ever picks.
 */
function scoreRows(points: tf.Tensor2D, shift: tf.Tensor2D, blocks: number | null): tf.Tensor2D {
  const rows = tf.concat([points, shift], 1) as tf.Tensor2D;
  const padding = blocks === null ? 0 : blocks * BLOCK - points.shape[0];
  if (padding === 0) return rows;
  const padRows = tf.concat([tf.zeros([padding, points.shape[1]]), tf.fill([padding, 1], -1e30)], 1);
  return tf.concat([rows, padRows], 0) as tf.Tensor2D;
}

/** A growing list of (reference, exact distance) pairs, read back nearest first, the lower index on a tie. */
class CandidateList {
  private index = new Int32Array(64);
  private distance = new Float64Array(64);
  private size = 0;

  clear(): void {
    this.size = 0;
  }

  add(index: number, distance: number): void {
    if (this.size === this.index.length) {
      const [grownIndex, grownDistance] = [new Int32Array(2 * this.size), new Float64Array(2 * this.size)];
      grownIndex.set(this.index);
      grownDistance.set(this.distance);
      [this.index, this.distance] = [grownIndex, grownDistance];
    }
    this.index[this.size] = index;
    this.distance[this.size++] = distance;
  }

  nearest(k: number, indices: Int32Array, distances: Float64Array): void {
    const order = Array.from({ length: this.size }, (_, c) => c).sort(
      (a, b) => this.distance[a] - this.distance[b] || this.index[a] - this.index[b],
    );
    for (let c = 0; c < k; c++) {
      indices[c] = this.index[order[c]];
      distances[c] = this.distance[order[c]];
    }
  }
}

/** The coordinates that are not 0 in some point of some set. */
function usedCoordinates(sets: Embeddings[]): Int32Array {
  const dim = sets[0].dim;
  const nonzero = new Uint8Array(dim);
  for (const { values, count } of sets)
    for (let i = 0; i < count; i++) for (let k = 0; k < dim; k++) if (values[i * dim + k] !== 0) nonzero[k] = 1;
  return Int32Array.from(Array.from(nonzero.keys()).filter((k) => nonzero[k]));
}

function squaredNorm64(a: Float32Array, i: number, dim: number): number {
  let sum = 0;
  for (let k = 0; k < dim; k++) sum += a[i * dim + k] * a[i * dim + k];
  return sum;
}

/** The k-th largest of `row` (Hoare's selection in `scratch`, linear time on average). */
function kthLargest(row: ArrayLike<number>, k: number, scratch: Float64Array): number {
  if (k === 1) {
    let best = -Infinity;
    for (let i = 0; i < row.length; i++) if (row[i] > best) best = row[i];
    return best;
  }
  const values = scratch;
  values.set(row);
  const target = values.length - k;
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i++] = values[j];
        values[j--] = t;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return values[target];
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
