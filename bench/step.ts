// Times the BiGAN training step on the backend BIGAN_BACKEND names (or the best one), in its own process so
// that every backend starts clean. Prints one JSON line. Used by bench/bench.ts.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/backend.js';
import { epochBatches, loadMnist, makeBatch } from '../lib/data/mnist.js';
import { createBiganModel } from '../lib/models/bigan.js';
import { PRESETS } from '../lib/config/training-config.js';
import { createOptimizersFor } from '../lib/training/optimizers.js';
import { trainStep } from '../lib/training/step.js';
import { Random } from '../lib/util/random.js';

const [warmup, steps] = process.argv.slice(2).map(Number);
const report = await initBackend();
// The paper preset's networks and Adam (the reproduction's MLPs, lr 2e-4, weight decay 2.5e-5), batch 128.
const config = PRESETS.paper;
const model = createBiganModel(config.architecture, 0);
const optimizers = createOptimizersFor(model, config);
const mnist = loadMnist();
const random = new Random(0);
const batches = epochBatches(mnist.train.count, config.batchSize, random);
let last: Record<string, number> = {};
const run = (i: number) => {
  const batch = makeBatch(mnist.train, batches[i % batches.length]);
  const latents = model.samplePrior(config.batchSize, random.seed());
  last = trainStep(model, optimizers, { images: batch.images, labels: batch.labels, latents, seed: i });
  tf.dispose([batch.images, batch.labels, latents]);
};
for (let i = 0; i < warmup; i++) run(i);
const tensorsBefore = tf.memory().numTensors;
const start = performance.now();
for (let i = 0; i < steps; i++) run(warmup + i);
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
