import { RepulsionKernel } from './repulsion-kernel.js';

// One node is NODE_SIZE consecutive float32s holding what a traversal reads: the centre of mass, the squared cell
// width, the number of points below it, the index of its first child (-1 for a leaf) and, for a leaf, where its
// points start in the tree's point order. Four siblings are consecutive (96 bytes), and the tree of 10,000 points
// fits in a core's L2 cache. The centres of mass are summed in float64 and stored rounded: float32 sums of
// thousands of positions would move the map (KL 1.79 instead of 1.72 on MNIST).
const MX = 0;
const MY = 1;
const WIDTH2 = 2;
const COUNT = 3;
const CHILD = 4;
const START = 5;
const NODE_SIZE = 6;

/** A cell holding at most this many points is a leaf; near leaves are summed point by point. */
const LEAF_SIZE = 8;
/** Bits per axis of the Morton codes: cells stop splitting at 1/65,536 of the map's width. */
const LEVELS = 16;

export type Allocate = (bytes: number) => ArrayBufferLike;

/**
 * A quadtree over 2-D positions for Barnes-Hut t-SNE, rebuilt every iteration without allocating once it has
 * grown to size. The points are first sorted along a Z-order (Morton) curve: every cell then holds a contiguous
 * run of that order, so the tree is built by splitting runs (no insertion), a leaf's points are read
 * consecutively, and traversing for points in this order (as the force loops do) revisits the same nodes while
 * they are still in the cache.
 */
export class QuadTree {
  private nodes = new Float32Array(0);
  private used = 0;
  /** The points sorted by Morton code. */
  private order = new Int32Array(0);
  private stack = new Int32Array(0);
  private positions: Float64Array = new Float64Array(0);
  private codes = new Uint32Array(0);
  private spareCodes = new Uint32Array(0);
  private spareOrder = new Int32Array(0);
  private sums = new Float64Array(0);
  private readonly counts = new Int32Array(256);
  private readonly kernel = new RepulsionKernel();

  /**
   * @param allocate makes the buffers that the nodes and the point order live in; pass one that makes
   *   SharedArrayBuffers so that worker threads can traverse the tree that this thread builds.
   */
  constructor(private readonly allocate: Allocate = (bytes) => new ArrayBuffer(bytes)) {}

  /**
   * The node storage, node count and the points in Morton order, for {@link QuadTree.attach} in another thread;
   * the force loops visit points in that order, for the cache's sake.
   */
  get storage(): { nodes: Float32Array; used: number; order: Int32Array } {
    return { nodes: this.nodes, used: this.used, order: this.order };
  }

  /** Traverses a tree built elsewhere (in shared memory) over the same positions. */
  attach(nodes: Float32Array, used: number, order: Int32Array, positions: Float64Array): void {
    this.nodes = nodes;
    this.used = used;
    this.order = order;
    this.positions = positions;
    if (this.stack.length < used) this.stack = new Int32Array(used);
  }

  /** Builds the tree over positions [n * 2]. */
  build(positions: Float64Array, n: number): void {
    this.positions = positions;
    if (this.order.length < n) {
      this.order = new Int32Array(this.allocate(4 * n));
      this.codes = new Uint32Array(n);
      this.spareCodes = new Uint32Array(n);
      this.spareOrder = new Int32Array(n);
    }
    const { x0: minX, y0: minY, x1: maxX, y1: maxY } = boundingBox(positions, 0, n);
    // The root is a square slightly larger than the bounding box, so that no code reaches 2^16.
    const width = Math.max(maxX - minX, maxY - minY) * (1 + 1e-5) + 1e-9;
    this.sortByCode(positions, n, minX, minY, (1 << LEVELS) / width);
    this.used = 0;
    this.newNodes(1);
    this.split(0, 0, n, 0, width);
    if (this.stack.length < this.used) this.stack = new Int32Array(this.used);
  }

  /** Writes 0..n-1 sorted by Morton code into `order` (radix sort, four passes of 8 bits), codes into `codes`. */
  private sortByCode(positions: Float64Array, n: number, minX: number, minY: number, scale: number): void {
    let codes = this.codes;
    let spareCodes = this.spareCodes;
    let current = this.order;
    let spare = this.spareOrder;
    for (let i = 0; i < n; i++) {
      codes[i] =
        (spread((positions[2 * i] - minX) * scale) | (spread((positions[2 * i + 1] - minY) * scale) << 1)) >>> 0;
      current[i] = i;
    }
    const counts = this.counts;
    for (let shift = 0; shift < 32; shift += 8) {
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[(codes[i] >>> shift) & 255]++;
      for (let b = 0, total = 0; b < 256; b++) {
        const c = counts[b];
        counts[b] = total;
        total += c;
      }
      for (let i = 0; i < n; i++) {
        const slot = counts[(codes[i] >>> shift) & 255]++;
        spareCodes[slot] = codes[i];
        spare[slot] = current[i];
      }
      [codes, spareCodes] = [spareCodes, codes];
      [current, spare] = [spare, current];
    }
    // After an even number of passes the sorted codes and order are back in this.codes and this.order.
  }

  /** Reserves `count` more nodes (which `split` fills in), growing the storage when needed; returns the first. */
  private newNodes(count: number): number {
    if ((this.used + count) * NODE_SIZE > this.nodes.length) {
      const length = Math.max(64, 2 * (this.used + count)) * NODE_SIZE;
      const grown = new Float32Array(this.allocate(4 * length));
      grown.set(this.nodes.subarray(0, this.used * NODE_SIZE));
      this.nodes = grown;
      const sums = new Float64Array(2 * (length / NODE_SIZE));
      sums.set(this.sums.subarray(0, 2 * this.used));
      this.sums = sums;
    }
    const first = this.used;
    this.used += count;
    return first;
  }

  /**
   * Makes `node` the cell of order[lo..hi), at depth `level`, `width` wide: a leaf when it holds at most
   * LEAF_SIZE points (or cannot split further), else four children over the runs of the next two code bits.
   */
  private split(node: number, lo: number, hi: number, level: number, width: number): void {
    const o = node * NODE_SIZE;
    this.nodes[o + WIDTH2] = width * width;
    this.nodes[o + COUNT] = hi - lo;
    let sx = 0;
    let sy = 0;
    if (hi - lo <= LEAF_SIZE || level === LEVELS) {
      const p = this.positions;
      for (let r = lo; r < hi; r++) {
        const i = this.order[r];
        sx += p[2 * i];
        sy += p[2 * i + 1];
      }
      this.nodes[o + CHILD] = -1;
      this.nodes[o + START] = lo;
    } else {
      const first = this.newNodes(4);
      this.nodes[o + CHILD] = first;
      const shift = 2 * (LEVELS - 1 - level);
      const codes = this.codes;
      let start = lo;
      for (let quadrant = 0; quadrant < 4; quadrant++) {
        let end = start;
        while (end < hi && ((codes[end] >>> shift) & 3) === quadrant) end++;
        this.split(first + quadrant, start, end, level + 1, width / 2);
        sx += this.sums[2 * (first + quadrant)];
        sy += this.sums[2 * (first + quadrant) + 1];
        start = end;
      }
    }
    this.sums[2 * node] = sx;
    this.sums[2 * node + 1] = sy;
    if (hi > lo) {
      this.nodes[o + MX] = sx / (hi - lo);
      this.nodes[o + MY] = sy / (hi - lo);
    }
  }

  /**
   * Adds the repulsive force on each point i at ranks [lo, hi) of the point order, sum over j != i of
   * q_ij^2 (y_i - y_j) with q_ij = 1 / (1 + |y_i - y_j|^2), into force[2i], force[2i+1], and returns the sum over
   * these points of sum over j != i of q_ij. This is Barnes' grouped tree code ("A modified tree code: don't laugh;
   * it runs", 1990): consecutive points in Morton order lie close together, so one traversal serves the whole run.
   * A cell counts as one point at its centre of mass when its width over its distance to the run's bounding box is
   * below theta, so for every point of the run (a stricter test than each point's own); other leaves are listed
   * point by point, and theta = 0 gives the exact sums. Each point then sums the run's list of (position, mass)
   * without a branch: per point, the traversal's branching cost most of the time.
   */
  runRepulsion(lo: number, hi: number, theta: number, force: Float64Array): number {
    const p = this.positions;
    const t = this.nodes;
    const order = this.order;
    const theta2 = theta * theta;
    const { x0, y0, x1, y1 } = boundingBox(p, lo, hi, order);
    // The list is written relative to the run's centre, where float32 resolves the distances between near points.
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    const kernel = this.kernel;
    let { xs, ys, ms } = kernel;
    let count = 0;
    const stack = this.stack;
    let top = 0;
    let groupStart = 0;
    let groupEnd = 1;
    // The stack holds the first child of each cell to open; a cell's four children are judged together, so the
    // many cells taken whole are never pushed. The root starts as a group of one.
    for (;;) {
      for (let c = groupStart; c < groupEnd; c++) {
        const o = c * NODE_SIZE;
        const mass = t[o + COUNT];
        if (mass === 0) continue;
        const mx = t[o + MX];
        const my = t[o + MY];
        const dx = Math.max(x0 - mx, mx - x1, 0);
        const dy = Math.max(y0 - my, my - y1, 0);
        const isCell = t[o + WIDTH2] < theta2 * (dx * dx + dy * dy);
        if (!isCell && t[o + CHILD] >= 0) {
          stack[top++] = t[o + CHILD];
          continue;
        }
        if (count + mass + 4 > xs.length) {
          kernel.reserve(count + mass);
          ({ xs, ys, ms } = kernel);
        }
        if (isCell) {
          xs[count] = mx - cx;
          ys[count] = my - cy;
          ms[count++] = mass;
        } else {
          for (let r = t[o + START], end = r + mass; r < end; r++) {
            const j = order[r];
            xs[count] = p[2 * j] - cx;
            ys[count] = p[2 * j + 1] - cy;
            ms[count++] = 1;
          }
        }
      }
      if (top === 0) break;
      groupStart = stack[--top];
      groupEnd = groupStart + 4;
    }
    const points = kernel.points;
    for (let r = lo; r < hi; r++) {
      const i = order[r];
      points[2 * (r - lo)] = p[2 * i] - cx;
      points[2 * (r - lo) + 1] = p[2 * i + 1] - cy;
    }
    kernel.repel(hi - lo, count);
    const out = kernel.out;
    let total = 0;
    for (let r = lo; r < hi; r++) {
      const i = order[r];
      force[2 * i] += out[3 * (r - lo) + 1];
      force[2 * i + 1] += out[3 * (r - lo) + 2];
      // Each point of the run is in a leaf near the run, so it is listed beside itself: q = 1 and no force.
      total += out[3 * (r - lo)] - 1;
    }
    return total;
  }
}

/** The bounding box of points lo..hi-1 of `positions` (x, y interleaved), or of those at ranks [lo, hi) of `order`. */
function boundingBox(
  positions: Float64Array,
  lo: number,
  hi: number,
  order?: Int32Array,
): { x0: number; y0: number; x1: number; y1: number } {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let r = lo; r < hi; r++) {
    const i = order ? order[r] : r;
    const x = positions[2 * i];
    const y = positions[2 * i + 1];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return { x0, y0, x1, y1 };
}

/** The 16 low bits of v spread to the even bits of a 32-bit integer. */
function spread(v: number): number {
  let x = Math.min(0xffff, Math.max(0, Math.floor(v)));
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  x = (x | (x << 1)) & 0x55555555;
  return x;
}
