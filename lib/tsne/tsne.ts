import { Random } from '../util/random.js';
import { type Embeddings, nearestNeighbours } from '../eval/knn.js';
import { pca } from '../eval/pca.js';
import type { SparseAffinities } from './tsne-forces.js';
import { ForcePool } from './tsne-pool.js';

export type { SparseAffinities };

export interface TsneOptions {
  perplexity?: number;
  iterations?: number;
  /** P is multiplied by this for the first `exaggerationIterations` iterations. */
  earlyExaggeration?: number;
  exaggerationIterations?: number;
  /** 'auto' is scikit-learn's max(N / earlyExaggeration / 4, 50). */
  learningRate?: number | 'auto';
  /** Barnes-Hut accuracy: cells narrower than theta times their distance are one point. 0 is exact; at most 0.707. */
  theta?: number;
  /** 'pca': the first two principal components scaled to standard deviation 1e-4 (scikit-learn's default). */
  init?: 'pca' | 'random';
  seed?: number;
  /** Threads for the gradient (default: all cores). */
  threads?: number;
  /** Called every 50 iterations and at the end with the iteration count and the current KL divergence. */
  progress?: (iteration: number, kl: number) => void;
}

export interface TsneResult {
  /** [N * 2] the map. */
  embedding: Float64Array;
  /** KL(P || Q) at the end, with the Barnes-Hut estimate of Q's normaliser, as scikit-learn reports it. */
  kl: number;
  iterations: number;
  seconds: number;
}

const MIN_GAIN = 0.01;

/**
 * The conditional probabilities p_j|i over each point's k nearest neighbours, with each row's Gaussian precision
 * found by binary search so that the row's entropy is log(perplexity) (scikit-learn's _binary_search_perplexity).
 * @param distances [n * k] squared distances, nearest first
 * @returns [n * k] rows summing to 1
 */
export function conditionalProbabilities(
  distances: Float64Array,
  n: number,
  k: number,
  perplexity: number,
): Float64Array {
  const target = Math.log(perplexity);
  const p = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let beta = 1;
    let low = -Infinity;
    let high = Infinity;
    const row = i * k;
    for (let step = 0; step < 100; step++) {
      let sum = 0;
      for (let j = 0; j < k; j++) {
        const v = Math.exp(-distances[row + j] * beta);
        p[row + j] = v;
        sum += v;
      }
      if (sum === 0) sum = 1e-8;
      let weighted = 0;
      for (let j = 0; j < k; j++) {
        p[row + j] /= sum;
        weighted += distances[row + j] * p[row + j];
      }
      const entropy = Math.log(sum) + beta * weighted;
      const diff = entropy - target;
      if (Math.abs(diff) <= 1e-5) break;
      if (diff > 0) {
        low = beta;
        beta = high === Infinity ? beta * 2 : (beta + high) / 2;
      } else {
        high = beta;
        beta = low === -Infinity ? beta / 2 : (beta + low) / 2;
      }
    }
  }
  return p;
}

/** P = (P_cond + P_cond^T) / sum, as a CSR matrix with duplicate (i, j) entries merged. */
export function symmetrize(conditional: Float64Array, neighbours: Int32Array, n: number, k: number): SparseAffinities {
  const rowCount = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    rowCount[i] += k;
    for (let c = 0; c < k; c++) rowCount[neighbours[i * k + c]]++;
  }
  const rowStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) rowStart[i + 1] = rowStart[i] + rowCount[i];
  const fill = rowStart.slice(0, n);
  const columns = new Int32Array(rowStart[n]);
  const values = new Float64Array(rowStart[n]);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const j = neighbours[i * k + c];
      const v = conditional[i * k + c];
      columns[fill[i]] = j;
      values[fill[i]++] = v;
      columns[fill[j]] = i;
      values[fill[j]++] = v;
    }
  }
  // Merge repeated columns within each row, then compact.
  const seenAt = new Int32Array(n).fill(-1);
  const outStart = new Int32Array(n + 1);
  let out = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    outStart[i] = out;
    for (let e = rowStart[i]; e < rowStart[i + 1]; e++) {
      const j = columns[e];
      if (seenAt[j] >= outStart[i]) {
        values[seenAt[j]] += values[e];
      } else {
        seenAt[j] = out;
        columns[out] = j;
        values[out] = values[e];
        out++;
      }
      total += values[e];
    }
  }
  outStart[n] = out;
  const scale = 1 / Math.max(total, Number.EPSILON);
  const merged = values.slice(0, out);
  for (let e = 0; e < out; e++) merged[e] *= scale;
  return { rowStart: outStart, columns: columns.slice(0, out), values: merged, n };
}

/** The sparse P of t-SNE for `data`: k = 3 x perplexity nearest neighbours (on the backend), calibrated, symmetrised. */
export function affinities(data: Embeddings, perplexity: number): SparseAffinities {
  const k = Math.min(data.count - 1, Math.floor(3 * perplexity + 1));
  const { indices, distances } = nearestNeighbours(data, data, k, { excludeSelf: true, batchSize: 1024 });
  return symmetrize(conditionalProbabilities(distances, data.count, k, perplexity), indices, data.count, k);
}

function initialMap(data: Embeddings, init: 'pca' | 'random', seed: number): Float64Array {
  const n = data.count;
  const y = new Float64Array(2 * n);
  if (init === 'pca') {
    const projected = pca(data, 2).projected;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += projected[2 * i];
    mean /= n;
    let variance = 0;
    for (let i = 0; i < n; i++) variance += (projected[2 * i] - mean) ** 2;
    const scale = 1e-4 / Math.sqrt(variance / n);
    for (let i = 0; i < 2 * n; i++) y[i] = projected[i] * scale;
  } else {
    const random = new Random(`tsne:${seed}`);
    for (let i = 0; i < 2 * n; i++) {
      // Box-Muller: N(0, 1e-4^2)
      y[i] = 1e-4 * Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
    }
  }
  return y;
}

/**
 * Barnes-Hut t-SNE ([van der Maaten, 2014](https://jmlr.org/papers/v15/vandermaaten14a.html)) to 2-D, following
 * scikit-learn's defaults: perplexity 30 over 3 x perplexity neighbours, early exaggeration 12 for 250
 * iterations with momentum 0.5, then momentum 0.8, gains (+0.2 / x0.8, at least 0.01), learning rate 'auto',
 * 1,000 iterations, theta 0.5, PCA initialisation. Deterministic for a given input and seed.
 */
export function tsne(data: Embeddings, options: TsneOptions = {}): TsneResult {
  const started = performance.now();
  const {
    perplexity = 30,
    iterations = 1000,
    earlyExaggeration = 12,
    exaggerationIterations = 250,
    theta = 0.5,
    init = 'pca',
    seed = 0,
    progress,
  } = options;
  const n = data.count;
  if (n < 4) throw new Error(`t-SNE needs at least 4 points, got ${n}`);
  if (!(perplexity > 0 && perplexity < n))
    throw new Error(`perplexity must be between 0 and the number of points (${n}), got ${perplexity}`);
  // The repulsion takes each point's own q = 1 out of its sums, which holds while no cell containing the point can
  // be taken whole: theta at most 1/sqrt(2).
  if (!(theta >= 0 && theta <= Math.SQRT1_2)) throw new Error(`theta must be between 0 and 0.707, got ${theta}`);
  const learningRate =
    options.learningRate === undefined || options.learningRate === 'auto'
      ? Math.max(n / earlyExaggeration / 4, 50)
      : options.learningRate;
  const pool = new ForcePool(affinities(data, perplexity), options.threads);
  const y = pool.positions;
  y.set(initialMap(data, init, seed));
  const grad = new Float64Array(2 * n);
  const update = new Float64Array(2 * n);
  const gains = new Float64Array(2 * n).fill(1);
  let kl: number;
  try {
    for (let it = 0; it < iterations; it++) {
      const exploring = it < exaggerationIterations;
      const momentum = exploring ? 0.5 : 0.8;
      const report = progress !== undefined && ((it + 1) % 50 === 0 || it === iterations - 1);
      const error = pool.gradient(theta, exploring ? earlyExaggeration : 1, report, grad);
      for (let d = 0; d < 2 * n; d++) {
        const g = grad[d];
        gains[d] = update[d] * g < 0 ? gains[d] + 0.2 : Math.max(gains[d] * 0.8, MIN_GAIN);
        update[d] = momentum * update[d] - learningRate * gains[d] * g;
        y[d] += update[d];
      }
      if (report) progress(it + 1, error);
    }
    // The KL of the final map, with P no longer exaggerated.
    kl = pool.gradient(theta, 1, true, grad);
  } finally {
    pool.close();
  }
  return { embedding: Float64Array.from(y), kl, iterations, seconds: (performance.now() - started) / 1000 };
}
