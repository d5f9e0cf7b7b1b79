import fs from 'node:fs';
import path from 'node:path';
import { initBackend } from '../backend/backend.js';
import { loadCheckpoint } from '../io/checkpoint.js';
import { RunFolder } from '../io/run-folder.js';
import type { AdversarialModel } from '../models/adversarial-model.js';
import { runsDir } from '../util/paths.js';
import { createOptimizersFor, createWeightAverage, disposeOptimizers } from './optimizers.js';
import { createModel } from './registry.js';
import { loadMnist } from '../data/mnist.js';
import { reestimateBatchNorm } from './batch-norm-estimate.js';
import { trainingDigits } from './training-data.js';

export interface LoadedRun {
  run: RunFolder;
  model: AdversarialModel;
  /** Epochs trained at the checkpoint loaded. */
  epoch: number;
  /** Batches E's and G's batch-norm statistics were re-estimated over before evaluation (0: training's averages). */
  batchNormEstimate: number;
}

/**
 * The model of a run folder at its newest checkpoint, or at the end of epoch `options.epoch` (epoch 0: the weights
 * it started from, which its config's seed rebuilds), as evaluation uses it: with the weight average in E's and G's
 * place when the run keeps one (optimizer state and the trained weights it replaces are read and dropped), and with
 * E's and G's batch-norm statistics re-estimated over the run's training digits when its config asks
 * (`batchNormEstimate`, or `options.batchNormEstimate` in its place).
 */
export async function loadRunModel(
  dir: string,
  options: { epoch?: number; batchNormEstimate?: number } = {},
): Promise<LoadedRun> {
  await initBackend();
  const run = RunFolder.open(dir);
  const checkpoint = options.epoch === 0 ? null : findCheckpoint(run, options.epoch);
  if (!checkpoint && run.readInit())
    throw new Error(`${dir} started from pretrained weights (${path.basename(run.initFile)}): its epoch 0 is not kept`);
  const model = createModel(run.config);
  let epoch = 0;
  if (checkpoint) {
    const optimizers = createOptimizersFor(model, run.config);
    const average = createWeightAverage(model, run.config);
    try {
      epoch = loadCheckpoint(checkpoint.dir, model, optimizers, average).epoch;
      average?.copyInto();
    } finally {
      disposeOptimizers(optimizers);
      average?.dispose();
    }
  }
  const batchNormEstimate = options.batchNormEstimate ?? run.config.batchNormEstimate;
  if (batchNormEstimate > 0) {
    reestimateBatchNorm(model, trainingDigits(run.config, loadMnist()), {
      batches: batchNormEstimate,
      batchSize: run.config.batchSize,
      seed: run.config.seed * 100003 + epoch,
    });
  }
  return { run, model, epoch, batchNormEstimate };
}

/** The run's newest checkpoint, or the one at the end of `epoch`; an error naming what is kept when there is none. */
function findCheckpoint(run: RunFolder, epoch?: number): ReturnType<RunFolder['checkpoints']>[number] {
  const checkpoints = run.checkpoints();
  const found =
    epoch === undefined ? checkpoints.pop() : checkpoints.find((c) => c.epoch === epoch && c.stepInEpoch === 0);
  if (found) return found;
  const kept = checkpoints.map((c) => c.epoch).join(', ') || 'none';
  throw new Error(
    epoch === undefined
      ? `${run.dir} has no checkpoint yet`
      : `${run.dir} has no checkpoint at the end of epoch ${epoch} (kept: ${kept})`,
  );
}

/**
 * runs/<name> at its newest checkpoint, or null when that folder holds no run or no checkpoint yet: for notebooks
 * that show a long command-line run when this machine has one. A run that exists but does not load is an error.
 */
export async function loadTrainedRun(name: string): Promise<LoadedRun | null> {
  const dir = path.join(runsDir(), name);
  if (!fs.existsSync(path.join(dir, 'config.json')) || RunFolder.open(dir).checkpoints().length === 0) return null;
  return loadRunModel(dir);
}
