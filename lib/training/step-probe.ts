import * as tf from '@tensorflow/tfjs';
import { epochBatches, loadMnist, makeBatch, type MnistSplit } from '../data/mnist.js';
import { PRESETS, type TrainingConfig } from '../config/training-config.js';
import { BIGBIGAN_BASE } from '../config/bigbigan-presets.js';
import { createOptimizersFor } from './optimizers.js';
import { createModel } from './registry.js';
import { trainStep } from './step.js';
import { Random } from '../util/random.js';

/**
 * The steps the bench times: the BiGAN paper preset's (reproduction MLPs, batch 128, Adam with weight decay) and
 * the BigBiGAN ablation table's Base (convolutional, spectral norm, hinge losses, batch 64); and the quick preset's
 * small BiGAN, which the GPU check trains. The bench, the GPU check and the job pool's throughput probe time them.
 */
export const STEP_MODELS: Record<string, TrainingConfig> = {
  bigan: PRESETS.paper,
  bigbigan: BIGBIGAN_BASE.table,
  quick: PRESETS.quick,
};

/**
 * A function that runs training step i on batches of `train` (MNIST's training set by default); the backend must be
 * initialised first. `dispose` frees the model.
 */
export function stepRunner(
  name: string,
  train?: MnistSplit,
): { run: (i: number) => Record<string, number>; config: TrainingConfig; dispose: () => void } {
  const config = STEP_MODELS[name];
  if (!config) throw new Error(`unknown step model '${name}' (${Object.keys(STEP_MODELS).join(', ')})`);
  const model = createModel(config);
  const optimizers = createOptimizersFor(model, config);
  const data = train ?? loadMnist().train;
  const random = new Random(0);
  const batches = epochBatches(data.count, config.batchSize, random);
  const run = (i: number) => {
    const batch = makeBatch(data, batches[i % batches.length]);
    const latents = model.samplePrior(config.batchSize, random.seed());
    try {
      return trainStep(model, optimizers, { images: batch.images, labels: batch.labels, latents, seed: i });
    } finally {
      tf.dispose([batch.images, batch.labels, latents]);
    }
  };
  return { run, config, dispose: () => model.dispose() };
}

/** Times `steps` steps of a step model after `warmup` untimed ones, on the backend already initialised. */
export function timeSteps(name: string, warmup: number, steps: number): { msPerStep: number; finite: boolean } {
  const { run, dispose } = stepRunner(name);
  try {
    let last: Record<string, number> = {};
    for (let i = 0; i < warmup; i++) run(i);
    const start = performance.now();
    for (let i = 0; i < steps; i++) last = run(warmup + i);
    return { msPerStep: (performance.now() - start) / steps, finite: Object.values(last).every(Number.isFinite) };
  } finally {
    dispose();
  }
}
