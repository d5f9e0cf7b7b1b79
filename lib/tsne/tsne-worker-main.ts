import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { AttractionKernel } from './attraction-kernel.js';
import { QuadTree } from './quadtree.js';
import { partialForces, type SparseAffinities } from './tsne-forces.js';
import { CONTROL, type WorkerSetup } from './tsne-pool.js';

// Waits for each iteration's signal from the main thread, computes its range's forces over the shared tree, and
// reports its partial sums; see tsne-pool.ts for the protocol.
const setup = workerData as WorkerSetup;
const control = new Int32Array(setup.control);
const parameters = new Float64Array(setup.parameters);
const results = new Float64Array(setup.results);
const y = new Float64Array(setup.positions);
const attraction = new Float64Array(setup.attraction, setup.slot * 2 * setup.n * 8, 2 * setup.n);
const repulsion = new Float64Array(setup.repulsion);
const p: SparseAffinities = {
  rowStart: new Int32Array(setup.rowStart),
  columns: new Int32Array(setup.columns),
  values: new Float64Array(setup.values),
  n: setup.n,
};
const kernel = new AttractionKernel(p);
const order = new Int32Array(setup.order);
let nodes = new Float32Array(setup.nodes);
const tree = new QuadTree();
let generation = 0;
for (;;) {
  Atomics.wait(control, CONTROL.generation, generation);
  generation = Atomics.load(control, CONTROL.generation);
  if (Atomics.load(control, CONTROL.stop) === 1) break;
  // A grown tree's storage arrives by message before the generation changes. The thread never returns to its
  // event loop, so messages are taken synchronously.
  for (let m = receiveMessageOnPort(parentPort!); m; m = receiveMessageOnPort(parentPort!)) {
    nodes = new Float32Array((m.message as { nodes: SharedArrayBuffer }).nodes);
  }
  tree.attach(nodes, parameters[3], order, y);
  const sums = partialForces(
    kernel,
    y,
    tree,
    parameters[0],
    parameters[1],
    setup.start,
    setup.end,
    attraction,
    repulsion,
    parameters[2] === 1,
  );
  results[setup.slot * 3] = sums.sumQ;
  results[setup.slot * 3 + 1] = sums.pLogPQ;
  results[setup.slot * 3 + 2] = sums.pSum;
  Atomics.add(control, CONTROL.done, 1);
  Atomics.notify(control, CONTROL.done);
}
