import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend/backend.js';
import { loadMnist } from '../data/mnist.js';
import { evaluateRepresentation } from '../eval/evaluate.js';
import { loadCheckpoint } from '../io/checkpoint.js';
import { RunFolder } from '../io/run-folder.js';
import { createModel } from '../models/registry.js';
import { createOptimizers, disposeOptimizers } from '../training/step.js';
import type { AdversarialModel } from '../training/adversarial-model.js';

/** The model of a run folder at its newest checkpoint. */
export async function loadRunModel(dir: string): Promise<{ run: RunFolder; model: AdversarialModel; epoch: number }> {
  await initBackend();
  const run = RunFolder.open(dir);
  const latest = run.checkpoints().pop();
  if (!latest) throw new Error(`${dir} has no checkpoint yet`);
  const model = createModel(run.config);
  const adam = { learningRate: 1, beta1: run.config.beta1, beta2: run.config.beta2, weightDecay: 0 };
  const optimizers = createOptimizers(model, { discriminator: adam, encoder: adam, generator: adam });
  try {
    const position = loadCheckpoint(latest.dir, model, optimizers);
    return { run, model, epoch: position.epoch };
  } finally {
    disposeOptimizers(optimizers);
  }
}

/** `bigan eval --run DIR [--json] [--test-limit N]`: 1NN on E(x) and penultimate features, linear probe; writes metrics.json. */
export async function evalCommand(flags: { run: string; json: boolean; testLimit?: string; trainLimit?: string }): Promise<number> {
  const { run, model, epoch } = await loadRunModel(flags.run);
  const backend = await initBackend();
  const metrics = evaluateRepresentation(model, loadMnist(), {
    trainLimit: flags.trainLimit ? Number(flags.trainLimit) : undefined,
    testLimit: flags.testLimit ? Number(flags.testLimit) : undefined,
  });
  const record = { run: run.dir, model: run.config.model, epoch, backend: backend.backend, ...metrics };
  run.writeMetrics(record);
  Object.values(model.networks).forEach((n) => n.dispose());
  if (flags.json) console.log(JSON.stringify(record));
  else {
    console.log(`${run.dir} (epoch ${epoch}):`);
    console.log(`  1NN on E(x) (${metrics.latentSize}-d):            ${(metrics.knnLatent * 100).toFixed(2)}%`);
    console.log(`  1NN on penultimate layer (${metrics.featureSize}-d): ${(metrics.knnFeatures * 100).toFixed(2)}%`);
    console.log(`  linear probe on E(x):                ${(metrics.linearProbeLatent * 100).toFixed(2)}%`);
    console.log(`  (${metrics.trainCount} train -> ${metrics.testCount} test, ${metrics.seconds.toFixed(0)} s)`);
  }
  tf.disposeVariables();
  return 0;
}
