import * as tf from '@tensorflow/tfjs';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Embeddings } from './knn.js';

export interface PcaResult {
  /** [count * components] the centred data projected on the principal axes. */
  projected: Float32Array;
  /** Variance along each axis, largest first. */
  explainedVariance: number[];
  components: number;
}

/**
 * Principal component analysis: the covariance matrix on the backend (one matmul), its eigenvectors with ml-matrix's
 * symmetric eigendecomposition (dim x dim, so 784 x 784 for MNIST), the projection on the backend again. Each axis'
 * sign is fixed so that its largest loading is positive, which makes the result deterministic.
 */
export function pca(data: Embeddings, components: number): PcaResult {
  const { count, dim } = data;
  if (components < 1 || components > dim) throw new Error(`pca: components must be in 1..${dim}, got ${components}`);
  if (count < 2) throw new Error('pca needs at least two points');
  const x = tf.tensor2d(data.values, [count, dim]);
  const centred = tf.tidy(() => x.sub(x.mean(0)));
  x.dispose();
  const covariance = tf.tidy(() => tf.matMul(centred, centred, true, false).div(count - 1));
  const values = covariance.dataSync() as Float32Array;
  covariance.dispose();
  const rows = Array.from({ length: dim }, (_, i) => Array.from(values.subarray(i * dim, (i + 1) * dim)));
  const eigen = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  const order = eigen.realEigenvalues
    .map((v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0])
    .slice(0, components);
  const vectors = eigen.eigenvectorMatrix;
  const basis = new Float32Array(dim * components);
  order.forEach(([, column], c) => {
    let largest = 0;
    for (let r = 0; r < dim; r++)
      if (Math.abs(vectors.get(r, column)) > Math.abs(largest)) largest = vectors.get(r, column);
    const sign = largest < 0 ? -1 : 1;
    for (let r = 0; r < dim; r++) basis[r * components + c] = sign * vectors.get(r, column);
  });
  const projected = tf.tidy(() => tf.matMul(centred, tf.tensor2d(basis, [dim, components])));
  const result = projected.dataSync() as Float32Array;
  tf.dispose([projected, centred]);
  return { projected: result, explainedVariance: order.map(([v]) => v), components };
}
