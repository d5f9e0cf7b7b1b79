import type { Allocate, QuadTree } from './quadtree.js';
import type { AttractionKernel, SparseAffinities } from './attraction-kernel.js';
import { MAX_RUN } from './repulsion-kernel.js';

export type { SparseAffinities };

export interface PartialSums {
  /** Sum over points in the range of sum_j q_ij (unnormalised): their share of Z. */
  sumQ: number;
  /** Sum over their P entries of p log(p / q_unnormalised); KL = this + log(Z) * pSum. */
  pLogPQ: number;
  pSum: number;
}

/**
 * P's entries above the diagonal (j > i), row by row: each symmetric pair once, so that its attraction is computed
 * once and applied to both points, with opposite signs.
 */
export function upperTriangle(
  p: SparseAffinities,
  allocate: Allocate = (bytes) => new ArrayBuffer(bytes),
): SparseAffinities {
  const { n, rowStart, columns, values } = p;
  const upperStart = new Int32Array(allocate(4 * (n + 1)));
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (let e = rowStart[i]; e < rowStart[i + 1]; e++) if (columns[e] > i) count++;
    upperStart[i + 1] = upperStart[i] + count;
  }
  const upperColumns = new Int32Array(allocate(4 * Math.max(1, upperStart[n])));
  const upperValues = new Float64Array(allocate(8 * Math.max(1, upperStart[n])));
  for (let i = 0, out = 0; i < n; i++) {
    for (let e = rowStart[i]; e < rowStart[i + 1]; e++) {
      if (columns[e] <= i) continue;
      upperColumns[out] = columns[e];
      upperValues[out++] = values[e];
    }
  }
  return { n, rowStart: upperStart, columns: upperColumns, values: upperValues };
}

/**
 * The forces for the points at [start, end) of the tree's point order: the repulsion on each,
 * sum_j q_ij^2 (y_i - y_j) by Barnes-Hut, into `repulsion`; and the attraction p_ij q_ij (y_i - y_j) of each of
 * their pairs in the kernel's P above the diagonal, added to i and subtracted from j, written into `attraction`,
 * this thread's own buffer, which the caller sums over threads. Both unnormalised; the caller divides the
 * repulsion by Z once every range is done. Run by the main thread and the worker threads alike.
 */
export function partialForces(
  attractionKernel: AttractionKernel,
  y: Float64Array,
  tree: QuadTree,
  theta: number,
  exaggeration: number,
  start: number,
  end: number,
  attraction: Float64Array,
  repulsion: Float64Array,
  withError: boolean,
): PartialSums {
  const points = tree.storage.order.subarray(start, end);
  let sumQ = 0;
  for (const i of points) {
    repulsion[2 * i] = 0;
    repulsion[2 * i + 1] = 0;
  }
  for (let r = start; r < end; r += MAX_RUN) sumQ += tree.runRepulsion(r, Math.min(end, r + MAX_RUN), theta, repulsion);
  const { pLogPQ, pSum } = attractionKernel.attract(y, points, exaggeration, withError, attraction);
  return { sumQ, pLogPQ, pSum };
}
