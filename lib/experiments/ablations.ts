import { type ConfigOverrides, mergeConfig, type TrainingConfig } from '../config/training-config.js';
import { loadMnist } from '../data/mnist.js';
import { sampleScores } from '../eval/generation-scores.js';
import { evaluateRepresentation } from '../eval/representation.js';
import { trainCached } from '../training/cached-run.js';
import type { ProgressReporter } from '../training/progress.js';

/** Each ablation is one change from Base (BigBiGAN's Table 1, at MNIST scale). */
export const ABLATIONS: Record<string, (base: TrainingConfig) => ConfigOverrides> = {
  base: () => ({}),
  'deterministic-e': () => ({ bigbigan: { stochasticEncoder: false } }),
  'uniform-prior': () => ({ bigbigan: { prior: 'uniform' } }),
  'x-unary-only': () => ({ bigbigan: { unaries: 'x' } }),
  'z-unary-only': () => ({ bigbigan: { unaries: 'z' } }),
  'no-unaries': () => ({ bigbigan: { unaries: 'none' } }),
  'small-g': (base) => ({
    bigbigan: { generatorChannels: Math.max(1, Math.floor(base.bigbigan!.generatorChannels / 4)) },
  }),
  'encoder-lr-x10': () => ({ encoderLearningRateMultiplier: 10 }),
  'high-res-encoder': () => ({ bigbigan: { highResolutionEncoder: true } }),
};
export const ABLATION_NAMES = Object.keys(ABLATIONS);

/** The config of a named row: Base, the row's change, then `overrides`. */
export function ablationConfig(row: string, base: TrainingConfig, overrides: ConfigOverrides = {}): TrainingConfig {
  const change = ABLATIONS[row];
  if (!change) throw new Error(`unknown ablation row '${row}' (known: ${ABLATION_NAMES.join(', ')})`);
  return mergeConfig(mergeConfig(base, change(base)), overrides);
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

export interface AblationOptions {
  base: TrainingConfig;
  /** Runs per row, seeded base.seed, base.seed + 1, ... */
  seeds?: number;
  /** Applied after the row's change (say, more epochs). */
  overrides?: ConfigOverrides;
  evaluation: EvaluationSettings;
  retrain?: boolean;
  progress?: ProgressReporter;
  /** Parent folder of the runs (default runs/). */
  root?: string;
}

/**
 * Trains (or reuses) one row, Base with `change` applied, once per seed, and scores every run. Runs live in
 * runs/bigbigan-<row>-s<seed>-<config hash>, and their scores in that folder's ablation-metrics.json, keyed by the
 * evaluation settings: rerunning reuses both, and an edited change (another config, so another hash) is the only
 * thing that trains.
 */
export async function runAblationRow(
  row: string,
  change: ConfigOverrides,
  options: AblationOptions,
): Promise<AblationMetrics[]> {
  const results: AblationMetrics[] = [];
  const mnist = loadMnist();
  const changed = mergeConfig(options.base, change);
  for (let s = 0; s < (options.seeds ?? 1); s++) {
    const config = mergeConfig(changed, { ...options.overrides, seed: options.base.seed + s });
    const trained = await trainCached(`bigbigan-${row}-s${s}`, config, {
      retrain: options.retrain,
      progress: options.progress,
      root: options.root,
    });
    const key = JSON.stringify(options.evaluation);
    const cached = trained.run.readAblationMetrics();
    if (!cached[key]) {
      const scores = await sampleScores(trained.model, options.evaluation.samples);
      const { trainLimit, testLimit } = options.evaluation;
      const representation = evaluateRepresentation(trained.model, mnist, { trainLimit, testLimit, probeEpochs: 10 });
      cached[key] = {
        row,
        seed: config.seed,
        ...scores,
        knnLatent: representation.knnLatent,
        linearProbe: representation.linearProbeLatent,
        runDir: trained.run.dir,
        trainingSeconds: trained.history.reduce((t, r) => t + r.seconds, 0),
      } satisfies AblationMetrics;
      trained.run.writeAblationMetrics(cached);
    }
    trained.model.dispose();
    results.push(cached[key] as AblationMetrics);
  }
  return results;
}

/** Every named row of {@link ABLATIONS}, in order: the CLI's `bigan ablate`. */
export async function runAblations(rows: string[], options: AblationOptions): Promise<AblationMetrics[]> {
  const results: AblationMetrics[] = [];
  for (const row of rows) {
    const change = ABLATIONS[row];
    if (!change) throw new Error(`unknown ablation row '${row}' (known: ${ABLATION_NAMES.join(', ')})`);
    results.push(...(await runAblationRow(row, change(options.base), options)));
  }
  return results;
}
