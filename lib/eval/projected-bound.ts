import * as tf from '@tensorflow/tfjs';
import type { Embeddings } from './embeddings.js';

/** Unit round-off of float32. */
export const FLOAT32_U = 2 ** -24;
/** Rounds of subspace iteration for the basis: its quality only changes how many candidates pass, never a result. */
const SUBSPACE_ROUNDS = 4;
/** References the second moments are estimated from (evenly spaced): the axes need not be exact, only good. */
const MOMENT_SAMPLE = 8192;

/** gamma_n of Higham's bound for a float32 sum of n products. */
export const float32Gamma = (n: number) => (n * FLOAT32_U) / (1 - n * FLOAT32_U);

/**
 * Points mapped to u(x) = (P'x, |x - PP'x|): the coordinates along p orthonormal axes P, and the length of what they
 * leave out. For any two points |u(q) - u(r)| <= |q - r| (the projection is a contraction and
 * ||a| - |b|| <= |a - b|), so distances between the u's are lower bounds of the true ones, computed in p + 1
 * dimensions instead of the points' own. `values` holds them as float32, [count, p + 1]; `slack[i]` bounds how far
 * the stored vector lies from the exact u(x) (float32 products on the backend, the rounding of P), so that
 * |u~(q) - u~(r)| <= |q - r| + slack[q] + slack[r] holds rigorously.
 */
export interface BoundingMap {
  values: Float32Array;
  count: number;
  dims: number;
  slack: Float64Array;
  /** Squared length of each stored vector, in float64. */
  squaredNorms: Float64Array;
}

/**
 * p orthonormal axes that carry most of the reference points' energy: subspace iteration on their second-moment
 * matrix (estimated from at most 8,192 of them; the products on the backend), orthonormalised in float64 after every round. Axis c is
 * `axes[c * n .. (c + 1) * n]` over the n used coordinates, orthonormal to float64 precision.
 */
export function leadingAxes(reference: Embeddings, used: Int32Array, p: number): Float64Array {
  const n = used.length;
  const stride = Math.max(1, Math.floor(reference.count / MOMENT_SAMPLE));
  const sample = Int32Array.from({ length: Math.ceil(reference.count / stride) }, (_, i) => i * stride);
  const moments = tf.tidy(() => {
    const all = tf.tensor2d(reference.values, [reference.count, reference.dim]);
    const r = tf.gather(tf.gather(all, sample, 0), used, 1);
    return tf.matMul(r, r, true, false).div(sample.length) as tf.Tensor2D;
  });
  // A fixed start (a deterministic pseudo-random matrix) keeps the axes, so the candidate counts, reproducible.
  let axes = new Float64Array(p * n);
  let seed = 12345;
  for (let i = 0; i < axes.length; i++) axes[i] = (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5;
  orthonormalise(axes, p, n);
  for (let round = 0; round < SUBSPACE_ROUNDS; round++) {
    // The moments are symmetric: (M A')' = A M, with the axes as the rows of A.
    const product = tf.tidy(() => tf.matMul(tf.tensor2d(Float32Array.from(axes), [p, n]), moments));
    axes = Float64Array.from(product.dataSync());
    product.dispose();
    orthonormalise(axes, p, n);
  }
  moments.dispose();
  return axes;
}

/** Modified Gram-Schmidt, twice, over the `count` vectors of length n stored one after another, in float64. */
function orthonormalise(m: Float64Array, count: number, n: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let c = 0; c < count; c++) {
      const v = m.subarray(c * n, (c + 1) * n);
      for (let prev = 0; prev < c; prev++) {
        const u = m.subarray(prev * n, (prev + 1) * n);
        let dot = 0;
        for (let r = 0; r < n; r++) dot += v[r] * u[r];
        for (let r = 0; r < n; r++) v[r] -= dot * u[r];
      }
      let norm = 0;
      for (let r = 0; r < n; r++) norm += v[r] * v[r];
      norm = Math.sqrt(norm);
      if (norm === 0) throw new Error('projected-bound: a degenerate axis (fewer used coordinates than axes?)');
      for (let r = 0; r < n; r++) v[r] /= norm;
    }
  }
}

/** The bounding map of `points` on `axes` (from {@link leadingAxes}), restricted to the `used` coordinates. */
export function boundingMap(points: Embeddings, used: Int32Array, axes: Float64Array, p: number): BoundingMap {
  const n = used.length;
  const projected = tf.tidy(() => {
    const x = tf.gather(tf.tensor2d(points.values, [points.count, points.dim]), used, 1);
    return tf.matMul(x, tf.tensor2d(Float32Array.from(axes), [p, n]), false, true);
  });
  const a = projected.dataSync() as Float32Array;
  projected.dispose();
  const dims = p + 1;
  const values = new Float32Array(points.count * dims);
  const slack = new Float64Array(points.count);
  const squaredNorms = new Float64Array(points.count);
  // Each coordinate of P'x is a float32 sum of n products with float32-rounded axes: by Cauchy-Schwarz its error is
  // at most (gamma_n + 2u)|x| (u for each rounding of an axis entry, with room to spare), so |a - P'x| <= delta.
  const perCoordinate = float32Gamma(n) + 2 * FLOAT32_U;
  for (let i = 0; i < points.count; i++) {
    let norm2 = 0;
    for (let k = 0; k < points.dim; k++) norm2 += points.values[i * points.dim + k] ** 2;
    let projected2 = 0;
    for (let c = 0; c < p; c++) {
      const v = a[i * p + c];
      values[i * dims + c] = v;
      projected2 += v * v;
    }
    const rest = Math.sqrt(Math.max(0, norm2 - projected2));
    values[i * dims + p] = rest;
    const norm = Math.sqrt(norm2);
    const delta = Math.sqrt(p) * perCoordinate * norm;
    // |rest^2 - e^2| = ||a|^2 - |P'x|^2| <= (2|a| + delta) delta, e the exact residual length; so |rest - e| is at
    // most the square root of that, or that over rest.
    const h = (2 * Math.sqrt(projected2) + delta) * delta;
    const restError = rest > 0 ? Math.min(Math.sqrt(h), h / rest) : Math.sqrt(h);
    const stored = values[i * dims + p];
    slack[i] =
      Math.sqrt(delta ** 2 + restError ** 2) + Math.abs(stored - rest) + FLOAT32_U * rest + 2 ** -40 * (norm + 1);
    squaredNorms[i] = projected2 + stored * stored;
  }
  return { values, count: points.count, dims, slack, squaredNorms };
}
