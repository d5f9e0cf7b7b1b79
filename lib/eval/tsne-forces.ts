import type { QuadTree } from './quadtree.js';

/** Symmetric joint probabilities P in CSR form (see tsne.ts). */
export interface SparseAffinities {
  rowStart: Int32Array;
  columns: Int32Array;
  values: Float64Array;
  n: number;
}

const FLOAT32_TINY = 1.1754943508222875e-38;

export interface PartialSums {
  /** Sum over points in the range of sum_j q_ij (unnormalised): their share of Z. */
  sumQ: number;
  /** Sum over their P entries of p log(p / q_unnormalised); KL = this + log(Z) * pSum. */
  pLogPQ: number;
  pSum: number;
}

/**
 * The attractive and repulsive forces on points [start, end): attraction_i = sum_j p_ij q_ij (y_i - y_j) over
 * P's sparse entries, repulsion_i = sum_j q_ij^2 (y_i - y_j) by Barnes-Hut. Both unnormalised; the caller divides
 * the repulsion by Z once every range is done. Run by the main thread and the worker threads alike.
 */
export function partialForces(
  p: SparseAffinities, y: Float64Array, tree: QuadTree, theta: number, exaggeration: number,
  start: number, end: number, attraction: Float64Array, repulsion: Float64Array, withError: boolean,
): PartialSums {
  const { rowStart, columns, values } = p;
  let sumQ = 0;
  let pLogPQ = 0;
  let pSum = 0;
  for (let i = start; i < end; i++) {
    repulsion[2 * i] = 0;
    repulsion[2 * i + 1] = 0;
    sumQ += tree.repulsion(i, theta, repulsion);
    const yi0 = y[2 * i];
    const yi1 = y[2 * i + 1];
    let ax = 0;
    let ay = 0;
    for (let e = rowStart[i]; e < rowStart[i + 1]; e++) {
      const j = columns[e];
      const dx = yi0 - y[2 * j];
      const dy = yi1 - y[2 * j + 1];
      const q = 1 / (1 + dx * dx + dy * dy);
      const pij = values[e] * exaggeration;
      ax += pij * q * dx;
      ay += pij * q * dy;
      if (withError) {
        pLogPQ += pij * Math.log(Math.max(pij, FLOAT32_TINY) / Math.max(q, FLOAT32_TINY));
        pSum += pij;
      }
    }
    attraction[2 * i] = ax;
    attraction[2 * i + 1] = ay;
  }
  return { sumQ, pLogPQ, pSum };
}
