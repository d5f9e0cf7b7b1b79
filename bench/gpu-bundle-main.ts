// Entry of the GPU check's bundle (see bench/gpu-check.ts): `./node check.mjs [--paper-steps N] [--train-steps N]`,
// run by the bundle's run.sh. The MNIST subset lies beside it as raw bytes: count x 784 pixels, then count labels.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initBackend } from '../lib/backend/backend.js';
import { PIXELS } from '../lib/data/mnist.js';
import { runGpuCheck } from './gpu-check-run.js';

const { values } = parseArgs({
  options: { 'paper-steps': { type: 'string', default: '10' }, 'train-steps': { type: 'string', default: '200' } },
});
const started = performance.now();
const bytes = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'mnist-subset.bin'));
const count = bytes.length / (PIXELS + 1);
if (!Number.isInteger(count))
  throw new Error(`mnist-subset.bin: ${bytes.length} bytes is not a whole number of digits`);
const images = new Float32Array(count * PIXELS);
for (let i = 0; i < images.length; i++) images[i] = bytes[i] / 255;
const train = { images, labels: Uint8Array.from(bytes.subarray(count * PIXELS)), count };
const finite = await runGpuCheck(train, await initBackend(), {
  paperSteps: Number(values['paper-steps']),
  trainSteps: Number(values['train-steps']),
});
console.log(`gpu-check done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exit(finite ? 0 : 1);
