import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { Random } from '../util/random.js';
import { NUM_CLASSES } from '../data/mnist.js';

/**
 * The Inception-style score on MNIST (TF-GAN's convention: the project classifier's logits stand in for Inception):
 * exp(E_x KL(p(y|x) || p(y))). Ten when every sample is confidently one digit and the digits are balanced; 1 when
 * samples are all alike. The real test set scores about 9.9.
 * @param logits [N * 10]
 */
export function inceptionScore(logits: Float32Array, count: number): number {
  const probabilities = new Float64Array(count * NUM_CLASSES);
  const marginal = new Float64Array(NUM_CLASSES);
  for (let i = 0; i < count; i++) {
    let max = -Infinity;
    for (let k = 0; k < NUM_CLASSES; k++) max = Math.max(max, logits[i * NUM_CLASSES + k]);
    let sum = 0;
    for (let k = 0; k < NUM_CLASSES; k++)
      sum += probabilities[i * NUM_CLASSES + k] = Math.exp(logits[i * NUM_CLASSES + k] - max);
    for (let k = 0; k < NUM_CLASSES; k++) {
      probabilities[i * NUM_CLASSES + k] /= sum;
      marginal[k] += probabilities[i * NUM_CLASSES + k] / count;
    }
  }
  let kl = 0;
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < NUM_CLASSES; k++) {
      const p = probabilities[i * NUM_CLASSES + k];
      if (p > 0) kl += p * Math.log(p / marginal[k]);
    }
  }
  return Math.exp(kl / count);
}

/**
 * Mean and covariance of `count` feature rows of `dim` values, summed in float64 (a covariance of identical sets
 * must give a distance of exactly zero, and float32 sums do not).
 */
function meanAndCovariance(
  values: Float32Array,
  count: number,
  dim: number,
): { mean: Float64Array; covariance: Matrix } {
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let d = 0; d < dim; d++) mean[d] += values[i * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= count;
  const sums = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let d = 0; d < dim; d++) centred[d] = values[i * dim + d] - mean[d];
    for (let a = 0; a < dim; a++) {
      const ca = centred[a];
      const row = a * dim;
      for (let b = a; b < dim; b++) sums[row + b] += ca * centred[b];
    }
  }
  const rows = Array.from({ length: dim }, (_, a) =>
    Array.from({ length: dim }, (_, b) => (a <= b ? sums[a * dim + b] : sums[b * dim + a]) / (count - 1)),
  );
  return { mean, covariance: new Matrix(rows) };
}

function symmetricSqrt(m: Matrix): Matrix {
  const eigen = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const v = eigen.eigenvectorMatrix;
  const roots = Matrix.diag(eigen.realEigenvalues.map((x) => Math.sqrt(Math.max(x, 0))));
  return v.mmul(roots).mmul(v.transpose());
}

/**
 * Frechet distance between Gaussians fitted to two sets of features (here the classifier's 10 logits):
 * |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)), the trace of the square root taken as that of the symmetric
 * S1^(1/2) S2 S1^(1/2), which has the same eigenvalues.
 */
export function frechetDistance(
  a: Float32Array,
  countA: number,
  b: Float32Array,
  countB: number,
  dim = NUM_CLASSES,
): number {
  const first = meanAndCovariance(a, countA, dim);
  const second = meanAndCovariance(b, countB, dim);
  let meanTerm = 0;
  for (let d = 0; d < dim; d++) meanTerm += (first.mean[d] - second.mean[d]) ** 2;
  const root = symmetricSqrt(first.covariance);
  const product = root.mmul(second.covariance).mmul(root);
  const symmetric = product.add(product.transpose()).div(2);
  const cross = new EigenvalueDecomposition(symmetric, { assumeSymmetric: true }).realEigenvalues.reduce(
    (s, x) => s + Math.sqrt(Math.max(x, 0)),
    0,
  );
  return meanTerm + first.covariance.trace() + second.covariance.trace() - 2 * cross;
}

/**
 * A 95% bootstrap interval of {@link frechetDistance}: both sets resampled with replacement `rounds` times (seeded),
 * the 2.5th and 97.5th percentiles of the distances. It says how much of a run's FID is the sample's noise.
 */
export function frechetDistanceInterval(
  a: Float32Array,
  countA: number,
  b: Float32Array,
  countB: number,
  dim: number,
  rounds = 100,
  seed = 7,
): [number, number] {
  const random = new Random(`fid-bootstrap:${seed}`);
  const resample = (values: Float32Array, count: number) => {
    const out = new Float32Array(count * dim);
    for (let i = 0; i < count; i++) {
      const j = Math.floor(random.next() * count);
      out.set(values.subarray(j * dim, (j + 1) * dim), i * dim);
    }
    return out;
  };
  const distances = Array.from({ length: rounds }, () =>
    frechetDistance(resample(a, countA), countA, resample(b, countB), countB, dim),
  ).sort((x, y) => x - y);
  const at = (q: number) => distances[Math.min(rounds - 1, Math.max(0, Math.round(q * (rounds - 1))))];
  return [at(0.025), at(0.975)];
}
