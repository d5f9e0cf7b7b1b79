import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadMnist, NUM_CLASSES, takeFirst } from '../data/mnist.js';
import { classifierLogits, loadClassifier } from '../eval/classifier.js';
import { evaluateRepresentation } from '../eval/evaluate.js';
import { frechetDistance, inceptionScore } from '../eval/gan-scores.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { AdversarialModel } from './adversarial-model.js';
import { trainCached } from './cached-run.js';
import { type ConfigOverrides, mergeConfig, type TrainingConfig, validateConfig } from './config.js';
import type { ProgressReporter } from './progress.js';

/** BigBiGAN's Base at MNIST scale, in a seconds-long version and the budget of the committed table. */
export const BIGBIGAN_BASE: Record<'quick' | 'table', TrainingConfig> = {
  quick: validateConfig({
    model: 'bigbigan', architecture: { latentSize: 32, hiddenUnits: 128, encoderOutput: 'linear', discriminatorLatent: 'input', initStddev: 0.02 },
    epochs: 1, batchSize: 64, learningRate: 2e-4, encoderLearningRateMultiplier: 1, beta1: 0.5, beta2: 0.999, weightDecay: 0,
    schedule: { kind: 'constant' }, seed: 1, checkpointEvery: 1, keepCheckpoints: 1, trainLimit: 1024,
    bigbigan: { generatorChannels: 16, encoderChannels: 16, discriminatorChannels: 16, stochasticEncoder: true, prior: 'gaussian', unaries: 'both', highResolutionEncoder: false },
  }),
  // The committed table's budget: one epoch of all 60,000 digits (937 steps) per row. G has twice Base's other
  // widths: at 32 channels it learned too slowly to score at this budget.
  table: validateConfig({
    model: 'bigbigan', architecture: { latentSize: 32, hiddenUnits: 256, encoderOutput: 'linear', discriminatorLatent: 'input', initStddev: 0.02 },
    epochs: 1, batchSize: 64, learningRate: 2e-4, encoderLearningRateMultiplier: 1, beta1: 0.5, beta2: 0.999, weightDecay: 0,
    schedule: { kind: 'constant' }, seed: 1, checkpointEvery: 1, keepCheckpoints: 1, trainLimit: 0,
    bigbigan: { generatorChannels: 64, encoderChannels: 32, discriminatorChannels: 32, stochasticEncoder: true, prior: 'gaussian', unaries: 'both', highResolutionEncoder: false },
  }),
};

/** Each ablation is one change from Base (BigBiGAN's Table 1, at MNIST scale). */
export const ABLATIONS: Record<string, (base: TrainingConfig) => ConfigOverrides> = {
  base: () => ({}),
  'deterministic-e': () => ({ bigbigan: { stochasticEncoder: false } }),
  'uniform-prior': () => ({ bigbigan: { prior: 'uniform' } }),
  'x-unary-only': () => ({ bigbigan: { unaries: 'x' } }),
  'z-unary-only': () => ({ bigbigan: { unaries: 'z' } }),
  'no-unaries': () => ({ bigbigan: { unaries: 'none' } }),
  'small-g': (base) => ({ bigbigan: { generatorChannels: Math.max(1, Math.floor(base.bigbigan!.generatorChannels / 4)) } }),
  'encoder-lr-x10': () => ({ encoderLearningRateMultiplier: 10 }),
  'high-res-encoder': () => ({ bigbigan: { highResolutionEncoder: true } }),
};
export const ABLATION_NAMES = Object.keys(ABLATIONS);

export function ablationConfig(row: string, base: TrainingConfig, overrides: ConfigOverrides = {}): TrainingConfig {
  const change = ABLATIONS[row];
  if (!change) throw new Error(`unknown ablation row '${row}' (known: ${ABLATION_NAMES.join(', ')})`);
  const changed = mergeConfig(base, change(base));
  return mergeConfig(changed, overrides);
}

export interface EvaluationSettings {
  /** Generated samples scored (and test images they are compared with). */
  samples: number;
  /** Digits for 1NN and the linear probe (0 = all). */
  trainLimit: number;
  testLimit: number;
}

export interface AblationMetrics {
  row: string;
  seed: number;
  inceptionScore: number;
  frechetDistance: number;
  knnLatent: number;
  linearProbe: number;
  runDir: string;
  trainingSeconds: number;
}

/** IS and FID of `count` samples G(z) against as many test digits, on the classifier's logits. */
export async function sampleScores(model: AdversarialModel, count: number, seed = 99): Promise<{ inceptionScore: number; frechetDistance: number }> {
  const classifier = await loadClassifier();
  const samples = tf.tidy(() => model.generate(model.samplePrior(count, seed)));
  const fake = classifierLogits(classifier, samples.dataSync() as Float32Array, count);
  samples.dispose();
  const test = takeFirst(loadMnist().test, count);
  const real = classifierLogits(classifier, test.images, test.count);
  return { inceptionScore: inceptionScore(fake, count), frechetDistance: frechetDistance(fake, count, real, test.count, NUM_CLASSES) };
}

/** The scores of the real test set against itself: the sanity check of the scoring classifier (IS about 9.9). */
export async function realDataScores(count = 10000): Promise<{ inceptionScore: number }> {
  const classifier = await loadClassifier();
  const test = takeFirst(loadMnist().test, count);
  return { inceptionScore: inceptionScore(classifierLogits(classifier, test.images, test.count), test.count) };
}

/**
 * Trains (or reuses) every requested row and seed and scores it. Runs live in runs/bigbigan-<row>-s<seed>-<config
 * hash>, and their scores in that folder's ablation-metrics.json, keyed by the evaluation settings: rerunning
 * reuses both, and an edited row (another config, so another hash) is the only one that trains.
 */
export async function runAblations(rows: string[], options: {
  base: TrainingConfig; seeds?: number; overrides?: ConfigOverrides; evaluation: EvaluationSettings; retrain?: boolean; progress?: ProgressReporter;
  /** Parent folder of the runs (default runs/). */
  root?: string;
}): Promise<AblationMetrics[]> {
  const results: AblationMetrics[] = [];
  const mnist = loadMnist();
  for (const row of rows) {
    for (let s = 0; s < (options.seeds ?? 1); s++) {
      const config = ablationConfig(row, options.base, { ...options.overrides, seed: options.base.seed + s });
      const trained = await trainCached(`bigbigan-${row}-s${s}`, config, { retrain: options.retrain, progress: options.progress, root: options.root });
      const metricsFile = path.join(trained.run.dir, 'ablation-metrics.json');
      const key = JSON.stringify(options.evaluation);
      const cached = fs.existsSync(metricsFile) ? JSON.parse(fs.readFileSync(metricsFile, 'utf8')) : {};
      if (!cached[key]) {
        const scores = await sampleScores(trained.model, options.evaluation.samples);
        const representation = evaluateRepresentation(trained.model, mnist, { trainLimit: options.evaluation.trainLimit, testLimit: options.evaluation.testLimit, probeEpochs: 10 });
        cached[key] = {
          row, seed: config.seed, ...scores, knnLatent: representation.knnLatent, linearProbe: representation.linearProbeLatent,
          runDir: trained.run.dir, trainingSeconds: trained.history.reduce((t, r) => t + r.seconds, 0),
        } satisfies AblationMetrics;
        writeFileAtomic(metricsFile, JSON.stringify(cached, null, 1));
      }
      Object.values(trained.model.networks).forEach((n) => n.dispose());
      results.push(cached[key]);
    }
  }
  return results;
}

/** Mean and standard deviation per row and metric, over seeds. */
export function summarizeAblations(results: AblationMetrics[]): { row: string; seeds: number; mean: Record<string, number>; std: Record<string, number> }[] {
  const metrics = ['inceptionScore', 'frechetDistance', 'knnLatent', 'linearProbe'] as const;
  const rows = [...new Set(results.map((r) => r.row))];
  return rows.map((row) => {
    const runs = results.filter((r) => r.row === row);
    const mean: Record<string, number> = {};
    const std: Record<string, number> = {};
    for (const m of metrics) {
      const values = runs.map((r) => r[m]);
      mean[m] = values.reduce((a, b) => a + b, 0) / values.length;
      std[m] = values.length > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean[m]) ** 2, 0) / (values.length - 1)) : 0;
    }
    return { row, seeds: runs.length, mean, std };
  });
}

