// `node --import tsx bench/step.ts MODEL WARMUP STEPS`: times one model's training step (lib/training/step-probe.ts) on
// the backend BIGAN_BACKEND names (or the best one), in its own process so that every backend starts clean.
// Prints one JSON line. Used by bench/bench.ts.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/backend.js';
import { stepRunner } from '../lib/training/step-probe.js';

const [name, warmup, steps] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const report = await initBackend();
const { run } = stepRunner(name);
let last: Record<string, number> = {};
for (let i = 0; i < warmup; i++) run(i);
const tensorsBefore = tf.memory().numTensors;
const start = performance.now();
for (let i = 0; i < steps; i++) last = run(warmup + i);
const msPerStep = (performance.now() - start) / steps;
console.log(
  JSON.stringify({
    backend: report.backend,
    tensorflowVersion: report.tensorflowVersion,
    msPerStep,
    steps,
    leakedTensors: tf.memory().numTensors - tensorsBefore,
    finite: Object.values(last).every(Number.isFinite),
  }),
);
