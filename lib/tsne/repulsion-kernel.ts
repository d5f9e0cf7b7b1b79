import { ensureBytes, instantiate } from './wasm-module.js';

/** The most points one call takes. */
export const MAX_RUN = 16;
// Byte offsets in the instance's memory: the run's points, each point's three sums, then the list's x, y and mass
// arrays, `capacity` f32 each.
const POINTS = 0;
const OUT = POINTS + 8 * MAX_RUN;
const LIST = 512;

/**
 * The SIMD loop of repulsion.wat: each point of a run against the run's interaction list, in float32. Each
 * thread makes its own (an instance and its memory are per thread). Coordinates are best given relative to the
 * run's centre, where float32 resolves the small distances between near points.
 */
export class RepulsionKernel {
  /** The run's points, (x, y) pairs: write up to MAX_RUN of them before {@link RepulsionKernel.repel}. */
  points!: Float32Array;
  /** The interaction list's x, y and mass: write entries [0, n) after {@link RepulsionKernel.reserve}(n). */
  xs!: Float32Array;
  ys!: Float32Array;
  ms!: Float32Array;
  /** After {@link RepulsionKernel.repel}: per point, sum m q, sum m q^2 dx, sum m q^2 dy. */
  out!: Float32Array;
  private readonly memory: WebAssembly.Memory;
  private readonly run: (...args: number[]) => void;
  private capacity = 0;

  constructor() {
    const instance = instantiate('repulsion');
    this.memory = instance.exports.memory as WebAssembly.Memory;
    this.run = instance.exports.repel as (...args: number[]) => void;
    this.reserve(1024);
  }

  /** Makes room for `entries` list entries (plus padding to a multiple of 4), keeping those written. */
  reserve(entries: number): void {
    if (entries + 4 <= this.capacity) return;
    const capacity = Math.max(2 * this.capacity, entries + 4 + (-(entries + 4) & 3));
    // The arrays move (their offsets depend on the capacity), and growing the memory detaches the old views.
    const old = this.capacity > 0 ? [this.xs.slice(), this.ys.slice(), this.ms.slice()] : undefined;
    ensureBytes(this.memory, LIST + 12 * capacity);
    const buffer = this.memory.buffer;
    this.points = new Float32Array(buffer, POINTS, 2 * MAX_RUN);
    this.out = new Float32Array(buffer, OUT, 3 * MAX_RUN);
    this.xs = new Float32Array(buffer, LIST, capacity);
    this.ys = new Float32Array(buffer, LIST + 4 * capacity, capacity);
    this.ms = new Float32Array(buffer, LIST + 8 * capacity, capacity);
    if (old) {
      this.xs.set(old[0]);
      this.ys.set(old[1]);
      this.ms.set(old[2]);
    }
    this.capacity = capacity;
  }

  /** Sums list entries [0, entries) for each of the first `count` points into `out`. */
  repel(count: number, entries: number): void {
    let padded = entries;
    for (; padded % 4 !== 0; padded++) {
      this.xs[padded] = 0;
      this.ys[padded] = 0;
      this.ms[padded] = 0;
    }
    const capacity = this.capacity;
    this.run(POINTS, count, LIST, LIST + 4 * capacity, LIST + 8 * capacity, padded, OUT);
  }
}
