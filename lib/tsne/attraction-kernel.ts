import { ensureBytes, instantiate } from './wasm-module.js';

/** Symmetric joint probabilities P in CSR form (see tsne.ts). */
export interface SparseAffinities {
  rowStart: Int32Array;
  columns: Int32Array;
  values: Float64Array;
  n: number;
}

/**
 * The attraction loop of attraction.wat over one thread's copy of P above the diagonal: the positions go in and
 * the forces come out by copy (about 0.1 ms a call for 10,000 points), since the instance's memory is its own.
 * Each thread makes its own.
 */
export class AttractionKernel {
  private readonly memory: WebAssembly.Memory;
  private readonly run: (...args: number[]) => number;
  private readonly y: Float64Array;
  private readonly attraction: Float64Array;
  private readonly order: Int32Array;
  private readonly offsets: {
    y: number;
    attraction: number;
    order: number;
    rowStart: number;
    columns: number;
    values: number;
  };

  constructor(upper: SparseAffinities) {
    const instance = instantiate('attraction', { math: { log: Math.log } });
    this.memory = instance.exports.memory as WebAssembly.Memory;
    this.run = instance.exports.attract as (...args: number[]) => number;
    const { n, rowStart, columns, values } = upper;
    const nnz = Math.max(1, rowStart[n]);
    // Byte 0 holds the returned pSum; the f64 arrays and v128 loads are 16-byte aligned.
    const y = 16;
    const attraction = y + 16 * n;
    const valuesAt = attraction + 16 * n;
    const order = valuesAt + 8 * nnz;
    const rowStartAt = order + 4 * n;
    const columnsAt = rowStartAt + 4 * (n + 1);
    ensureBytes(this.memory, columnsAt + 4 * nnz);
    const buffer = this.memory.buffer;
    this.offsets = { y, attraction, order, rowStart: rowStartAt, columns: columnsAt, values: valuesAt };
    this.y = new Float64Array(buffer, y, 2 * n);
    this.attraction = new Float64Array(buffer, attraction, 2 * n);
    this.order = new Int32Array(buffer, order, n);
    new Int32Array(buffer, rowStartAt, n + 1).set(rowStart.subarray(0, n + 1));
    new Int32Array(buffer, columnsAt, rowStart[n]).set(columns.subarray(0, rowStart[n]));
    new Float64Array(buffer, valuesAt, rowStart[n]).set(values.subarray(0, rowStart[n]));
  }

  /**
   * The attraction of the points `points` (indices) at positions `y`, each pair of P above the diagonal once,
   * written into `out` [n * 2]; with `withError` also KL's sums over those pairs.
   */
  attract(
    y: Float64Array,
    points: Int32Array,
    exaggeration: number,
    withError: boolean,
    out: Float64Array,
  ): { pLogPQ: number; pSum: number } {
    this.y.set(y);
    this.order.set(points);
    this.attraction.fill(0);
    const o = this.offsets;
    const pLogPQ = this.run(
      o.order,
      points.length,
      o.y,
      o.attraction,
      o.rowStart,
      o.columns,
      o.values,
      exaggeration,
      withError ? 1 : 0,
    );
    out.set(this.attraction);
    return { pLogPQ, pSum: withError ? new Float64Array(this.memory.buffer, 0, 1)[0] : 0 };
  }
}
