// Times the BiGAN training step on the backend BIGAN_BACKEND names (or the best one), in its own process so
// that every backend starts clean. Prints one JSON line. Used by bench/bench.ts.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/backend.js';
import { epochBatches, loadMnist, makeBatch } from '../lib/data/mnist.js';
import { createBiganModel } from '../lib/models/bigan.js';
import { createOptimizers, trainStep } from '../lib/training/step.js';
import { Random } from '../lib/util/random.js';

const [warmup, steps] = process.argv.slice(2).map(Number);
const report = await initBackend();
const model = createBiganModel({ latentSize: 50, hiddenUnits: 1024, encoderOutput: 'linear', discriminatorLatent: 'input', initStddev: 0.02 }, 0);
const adam = { learningRate: 2e-4, beta1: 0.5, beta2: 0.999, weightDecay: 2.5e-5 };
const optimizers = createOptimizers(model, { discriminator: adam, encoder: adam, generator: adam });
const mnist = loadMnist();
const random = new Random(0);
const batches = epochBatches(mnist.train.count, 128, random);
let last: Record<string, number> = {};
const run = (i: number) => {
  const batch = makeBatch(mnist.train, batches[i % batches.length]);
  const latents = model.samplePrior(128, random.seed());
  last = trainStep(model, optimizers, { images: batch.images, labels: batch.labels, latents, seed: i });
  tf.dispose([batch.images, batch.labels, latents]);
};
for (let i = 0; i < warmup; i++) run(i);
const tensorsBefore = tf.memory().numTensors;
const start = performance.now();
for (let i = 0; i < steps; i++) run(warmup + i);
const msPerStep = (performance.now() - start) / steps;
console.log(JSON.stringify({
  backend: report.backend, tensorflowVersion: report.tensorflowVersion, msPerStep, steps,
  leakedTensors: tf.memory().numTensors - tensorsBefore, finite: Object.values(last).every(Number.isFinite),
}));
