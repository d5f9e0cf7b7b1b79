import * as tf from '@tensorflow/tfjs';
import { epochBatches, loadMnist, makeBatch, type MnistSplit } from '../lib/data/mnist.js';
import { PRESETS, type TrainingConfig } from '../lib/config/training-config.js';
import { BIGBIGAN_BASE } from '../lib/config/bigbigan-presets.js';
import { createOptimizersFor } from '../lib/training/optimizers.js';
import { createModel } from '../lib/training/registry.js';
import { trainStep } from '../lib/training/step.js';
import { Random } from '../lib/util/random.js';

/**
 * The steps the bench times: the BiGAN paper preset's (reproduction MLPs, batch 128, Adam with weight decay) and
 * the BigBiGAN ablation table's Base (convolutional, spectral norm, hinge losses, batch 64); and the quick preset's
 * small BiGAN, which the GPU check trains.
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
