// `node --import tsx bench/task.ts knn` | `tsne INPUT N D OUTPUT`: one of our timed tasks in a fresh process, for
// bench/bench.ts to interleave with its peer. Prints one JSON line with the time and what the task found, and the
// process's peak resident memory.
import fs from 'node:fs';
import { initBackend } from '../lib/backend/backend.js';
import { loadMnist, PIXELS } from '../lib/data/mnist.js';
import { nearestNeighbourAccuracy } from '../lib/eval/knn.js';
import { tsne } from '../lib/tsne/tsne.js';

const [task, ...args] = process.argv.slice(2);
const report = await initBackend();
const peakMegabytes = () => process.resourceUsage().maxRSS / 1024;
if (task === 'knn') {
  const mnist = loadMnist();
  const result = nearestNeighbourAccuracy(
    { values: mnist.train.images, count: mnist.train.count, dim: PIXELS },
    mnist.train.labels,
    { values: mnist.test.images, count: mnist.test.count, dim: PIXELS },
    mnist.test.labels,
  );
  console.log(JSON.stringify({ backend: report.backend, seconds: result.seconds, accuracy: result.accuracy }));
} else if (task === 'tsne') {
  const [input, n, d, output] = [args[0], Number(args[1]), Number(args[2]), args[3]];
  const bytes = fs.readFileSync(input);
  const values = new Float32Array(bytes.buffer, bytes.byteOffset, n * d);
  const result = tsne({ values, count: n, dim: d });
  fs.writeFileSync(output, Buffer.from(result.embedding.buffer));
  console.log(JSON.stringify({ seconds: result.seconds, kl: result.kl, peakMegabytes: peakMegabytes() }));
} else {
  throw new Error(`unknown task '${task}': knn | tsne INPUT N D OUTPUT`);
}
