import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { projectRoot } from '../util/paths.js';
import { AttractionKernel } from './attraction-kernel.js';
import { QuadTree } from './quadtree.js';
import { partialForces, type SparseAffinities, upperTriangle } from './tsne-forces.js';

/** Slots of the shared control array. */
// Found from the project root, not from this file: the notebooks' kernel compiles lib/ to CommonJS, where
// `import.meta.url` does not exist.
const WORKER_ENTRY = path.join('lib', 'tsne', 'tsne-worker.mjs');

export const CONTROL = { generation: 0, done: 1, stop: 2 } as const;

/** What a worker receives: shared buffers and its range of points. */
export interface WorkerSetup {
  control: SharedArrayBuffer;
  /** [theta, exaggeration, withError (1/0), tree nodes in use]. */
  parameters: SharedArrayBuffer;
  /** Per thread: sumQ, pLogPQ, pSum. */
  results: SharedArrayBuffer;
  positions: SharedArrayBuffer;
  /** One attraction buffer [n * 2] per thread, in slot order. */
  attraction: SharedArrayBuffer;
  repulsion: SharedArrayBuffer;
  /** P above the diagonal, in CSR form. */
  rowStart: SharedArrayBuffer;
  columns: SharedArrayBuffer;
  values: SharedArrayBuffer;
  /** The tree's storage: nodes, and the points in the order each thread takes its range of. */
  nodes: SharedArrayBuffer;
  order: SharedArrayBuffer;
  n: number;
  start: number;
  end: number;
  slot: number;
}

function shared<T extends Float64Array | Int32Array>(
  make: (buffer: SharedArrayBuffer) => T,
  bytesPerElement: number,
  length: number,
): T {
  return make(new SharedArrayBuffer(Math.max(1, length) * bytesPerElement));
}

/**
 * Computes t-SNE's gradient with the points split across threads: this thread builds the quadtree in shared memory
 * and takes the first range, each worker thread the next, and they meet on a shared counter (Atomics) every
 * iteration, so there is no message per iteration. With one thread it runs in this thread alone.
 */
export class ForcePool {
  /** The map [n * 2], shared with the workers: update it in place between calls. */
  readonly positions: Float64Array;
  private readonly p: SparseAffinities;
  private readonly kernel: AttractionKernel;
  private readonly attraction: Float64Array;
  private readonly repulsion: Float64Array;
  private readonly control: Int32Array;
  private readonly parameters: Float64Array;
  private readonly results: Float64Array;
  private readonly tree = new QuadTree((bytes) => new SharedArrayBuffer(bytes));
  private readonly workers: Worker[] = [];
  private readonly ranges: [number, number][];
  private sentNodes: ArrayBufferLike | null = null;

  constructor(affinities: SparseAffinities, threads = os.availableParallelism()) {
    const n = affinities.n;
    const count = Math.max(1, Math.min(threads, Math.floor(n / 64) || 1));
    this.ranges = Array.from({ length: count }, (_, t) => [
      Math.floor((t * n) / count),
      Math.floor(((t + 1) * n) / count),
    ]);
    this.positions = shared((b) => new Float64Array(b), 8, 2 * n);
    this.attraction = shared((b) => new Float64Array(b), 8, 2 * n * count);
    this.repulsion = shared((b) => new Float64Array(b), 8, 2 * n);
    this.p = upperTriangle(affinities, (bytes) => new SharedArrayBuffer(bytes));
    const { rowStart, columns, values } = this.p;
    this.kernel = new AttractionKernel(this.p);
    this.control = shared((b) => new Int32Array(b), 4, 3);
    this.parameters = shared((b) => new Float64Array(b), 8, 4);
    this.results = shared((b) => new Float64Array(b), 8, 3 * count);
    this.tree.build(this.positions, n);
    this.sentNodes = this.tree.storage.nodes.buffer;
    const entry = path.join(projectRoot(), WORKER_ENTRY);
    for (let t = 1; t < count; t++) {
      const setup: WorkerSetup = {
        control: this.control.buffer as SharedArrayBuffer,
        parameters: this.parameters.buffer as SharedArrayBuffer,
        results: this.results.buffer as SharedArrayBuffer,
        positions: this.positions.buffer as SharedArrayBuffer,
        attraction: this.attraction.buffer as SharedArrayBuffer,
        repulsion: this.repulsion.buffer as SharedArrayBuffer,
        rowStart: rowStart.buffer as SharedArrayBuffer,
        columns: columns.buffer as SharedArrayBuffer,
        values: values.buffer as SharedArrayBuffer,
        nodes: this.sentNodes as SharedArrayBuffer,
        order: this.tree.storage.order.buffer as SharedArrayBuffer,
        n,
        start: this.ranges[t][0],
        end: this.ranges[t][1],
        slot: t,
      };
      const worker = new Worker(entry, { workerData: setup });
      worker.unref();
      this.workers.push(worker);
    }
  }

  get threads(): number {
    return this.ranges.length;
  }

  /**
   * Writes the KL gradient at `positions` into `gradient`: 4 (attraction - repulsion / Z). Returns KL(P || Q) when
   * `withError`, else NaN. `exaggeration` multiplies P.
   */
  gradient(theta: number, exaggeration: number, withError: boolean, gradient: Float64Array): number {
    const n = this.p.n;
    this.tree.build(this.positions, n);
    const { nodes, used } = this.tree.storage;
    if (nodes.buffer !== this.sentNodes) {
      this.sentNodes = nodes.buffer;
      for (const worker of this.workers) worker.postMessage({ nodes: nodes.buffer });
    }
    this.parameters.set([theta, exaggeration, withError ? 1 : 0, used]);
    Atomics.store(this.control, CONTROL.done, 0);
    Atomics.add(this.control, CONTROL.generation, 1);
    Atomics.notify(this.control, CONTROL.generation);
    const [start, end] = this.ranges[0];
    const own = partialForces(
      this.kernel,
      this.positions,
      this.tree,
      theta,
      exaggeration,
      start,
      end,
      this.attraction.subarray(0, 2 * n),
      this.repulsion,
      withError,
    );
    this.results.set([own.sumQ, own.pLogPQ, own.pSum], 0);
    for (
      let done = Atomics.load(this.control, CONTROL.done);
      done < this.workers.length;
      done = Atomics.load(this.control, CONTROL.done)
    ) {
      Atomics.wait(this.control, CONTROL.done, done, 10000);
    }
    let z = 0;
    let pLogPQ = 0;
    let pSum = 0;
    for (let t = 0; t < this.ranges.length; t++) {
      z += this.results[3 * t];
      pLogPQ += this.results[3 * t + 1];
      pSum += this.results[3 * t + 2];
    }
    const attraction = this.attraction;
    for (let d = 0; d < 2 * n; d++) {
      let a = 0;
      for (let o = d; o < attraction.length; o += 2 * n) a += attraction[o];
      gradient[d] = 4 * (a - this.repulsion[d] / z);
    }
    return withError ? pLogPQ + Math.log(z) * pSum : NaN;
  }

  /** Stops the worker threads. */
  close(): void {
    Atomics.store(this.control, CONTROL.stop, 1);
    Atomics.add(this.control, CONTROL.generation, 1);
    Atomics.notify(this.control, CONTROL.generation);
    for (const worker of this.workers) void worker.terminate();
  }
}
