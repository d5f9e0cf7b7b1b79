import { type ConfigOverrides, mergeConfig, type TrainingConfig } from '../config/training-config.js';
import { loadMnist, takeFirst } from '../data/mnist.js';
import { detailedSampleScores, sampleScores } from '../eval/generation-scores.js';
import { loadClassifier } from '../eval/classifier.js';
import { reconstructionAgreement } from '../eval/reconstruction.js';
import { evaluateRepresentation } from '../eval/representation.js';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { RunFolder } from '../io/run-folder.js';
import { projectRoot } from '../util/paths.js';
import { CURVE_SETTINGS, curveRecorder, formatCurvePoint } from './learning-curve.js';
import { cachedRunDir, trainCached } from '../training/cached-run.js';
import { type LedgerEntry, ledgerScores, recordLedgerScores } from './score-ledger.js';
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
  // BigBiGAN's Table 1 reports a better representation from a wider E (its RevNet at 2x and 4x width).
  'wide-encoder': (base) => ({ bigbigan: { encoderChannels: 2 * base.bigbigan!.encoderChannels } }),
  // The control: E keeps its initial weights (G and D train as in Base), so its 1NN and probe are the floor that
  // a trained encoder is read against; on MNIST a random convolutional encoder is already a fair representation.
  'random-encoder': () => ({ encoderLearningRateMultiplier: 0 }),
  // Claim 7's control: a GAN of the same G and F, judged by s_x alone. It has no representation to score.
  'no-encoder': () => ({ bigbigan: { encoder: false } }),
};
export const ABLATION_NAMES = Object.keys(ABLATIONS);

/**
 * The change from `base` that row `row` of the table applies. An unknown row is an error listing the known ones,
 * with `hint` after them (what else the caller accepts).
 */
export function ablationChange(row: string, base: TrainingConfig, hint = ''): ConfigOverrides {
  const change = ABLATIONS[row];
  if (!change) throw new Error(`unknown ablation row '${row}' (known: ${ABLATION_NAMES.join(', ')})${hint}`);
  return change(base);
}

/** The config of a named row: Base, the row's change, then `overrides`. */
export function ablationConfig(row: string, base: TrainingConfig, overrides: ConfigOverrides = {}): TrainingConfig {
  return mergeConfig(mergeConfig(base, ablationChange(row, base)), overrides);
}

export interface EvaluationSettings {
  /** Generated samples scored (and test images they are compared with). */
  samples: number;
  /** Training digits for 1NN and the linear probe (0 = all 60,000). */
  trainLimit: number;
  /** Test digits for 1NN, the probe and reconstruction agreement (0 = all 10,000). */
  testLimit: number;
  /** Also FID on the classifier's penultimate layer, and a bootstrap interval of each FID. */
  detail?: boolean;
}

export interface AblationMetrics {
  row: string;
  seed: number;
  inceptionScore: number;
  frechetDistance: number;
  /** The representation's scores; absent for a row without an encoder in its game (no-encoder). */
  knnLatent?: number;
  linearProbe?: number;
  /** Share of test digits whose G(E(x)) the classifier labels as x's digit (absent in tables from before it). */
  reconstructionAgreement?: number;
  /** With `detail` evaluation: FID's bootstrap interval, and FID on the classifier's penultimate layer. */
  frechetDistanceCi95?: [number, number];
  frechetDistancePenultimate?: number;
  frechetDistancePenultimateCi95?: [number, number];
  runDir: string;
  trainingSeconds: number;
}

export interface AblationOptions {
  base: TrainingConfig;
  /** Runs per row, seeded base.seed, base.seed + 1, ... */
  seeds?: number;
  /** Only these of the seeds (indices from 0): one task of a cluster sweep trains one. */
  seedIndices?: number[];
  /** Applied after the row's change (say, more epochs). */
  overrides?: ConfigOverrides;
  evaluation: EvaluationSettings;
  retrain?: boolean;
  progress?: ProgressReporter;
  /** Parent folder of the runs (default runs/). */
  root?: string;
  /** Record a learning curve (curve.json in the run folder) every this many steps of the runs that train. */
  curveEvery?: number;
  /** Write each run's scores to the committed ledger (data/results/bigbigan-runs/) as well as its run folder. */
  record?: boolean;
  /** The analysis plan the runs are trained under: each ledger entry records it. */
  plan?: { name: string; sha256: string };
}

/**
 * Trains (or reuses) one row, Base with `change` applied, once per seed, and scores every run. Runs live in
 * runs/bigbigan-<row>-s<seed>-<config hash>, and their scores in that folder's ablation-metrics.json, keyed by the
 * evaluation settings: rerunning reuses both, and an edited change (another config, so another hash) is the only
 * thing that trains. A run-seed whose scores the committed ledger holds is not trained at all (unless `retrain`):
 * its `runDir` is then the folder it would have, which need not exist on this machine.
 */
export async function runAblationRow(
  row: string,
  change: ConfigOverrides,
  options: AblationOptions,
): Promise<AblationMetrics[]> {
  const results: AblationMetrics[] = [];
  const mnist = loadMnist();
  // The code this process runs is the checkout as it was when the row began, not when a run ends.
  const code = options.plan ? codeVersion() : undefined;
  for (const s of options.seedIndices ?? seedRange(options.seeds)) {
    const config = ablationRunConfig(options, change, s);
    const name = ablationRunName(row, s);
    const key = JSON.stringify(options.evaluation);
    const recorded = options.retrain ? undefined : ledgerScores(name, config, key);
    if (recorded) {
      results.push(fromLedger(recorded, cachedRunDir(name, config, options.root)));
      continue;
    }
    const afterStep = options.curveEvery
      ? curveRecorder(
          cachedRunDir(name, config, options.root),
          await loadClassifier(),
          { ...CURVE_SETTINGS, every: options.curveEvery },
          (point) => options.progress?.message(`${row} seed ${s}: ${formatCurvePoint(point)}`),
        )
      : undefined;
    const trained = await trainCached(name, config, {
      retrain: options.retrain,
      progress: options.progress,
      root: options.root,
      afterStep,
    });
    const cached = trained.run.readAblationMetrics();
    if (!cached[key]) {
      const scores = options.evaluation.detail
        ? await detailedSampleScores(trained.model, options.evaluation.samples)
        : await sampleScores(trained.model, options.evaluation.samples);
      const { trainLimit, testLimit } = options.evaluation;
      const hasEncoder = config.bigbigan?.encoder !== false;
      const representation = hasEncoder
        ? evaluateRepresentation(trained.model, mnist, { trainLimit, testLimit, probeEpochs: 10 })
        : null;
      cached[key] = {
        row,
        seed: config.seed,
        ...scores,
        ...(representation && {
          knnLatent: representation.knnLatent,
          linearProbe: representation.linearProbeLatent,
          reconstructionAgreement: reconstructionAgreement(
            trained.model,
            await loadClassifier(),
            testLimit ? takeFirst(mnist.test, testLimit) : mnist.test,
          ),
        }),
        runDir: trained.run.dir,
        trainingSeconds: trained.history.reduce((t, r) => t + r.seconds, 0),
      } satisfies AblationMetrics;
      trained.run.writeAblationMetrics(cached);
    }
    trained.model.dispose();
    const metrics = cached[key] as AblationMetrics;
    if (options.record)
      recordScores(name, config, key, metrics, options.plan && planRecord(options.plan, trained.run, code!));
    results.push(metrics);
  }
  return results;
}

/** Writes a run's scores to the ledger, less its run folder, which is this machine's. */
function recordScores(
  name: string,
  config: TrainingConfig,
  key: string,
  metrics: AblationMetrics,
  plan?: LedgerEntry['plan'],
): void {
  const { runDir: _machineLocal, ...scores } = metrics;
  recordLedgerScores(name, config, key, scores, plan);
}

/**
 * The plan a run trained under, when it started (its folder's config.json is written once, at the start), and the
 * code that trained and scored it, so that a table can say which code made each of its entries.
 */
function planRecord(plan: { name: string; sha256: string }, run: RunFolder, code: string): LedgerEntry['plan'] {
  const started = fs.statSync(path.join(run.dir, 'config.json')).mtime;
  return { ...plan, runStartedAt: started.toISOString(), code };
}

/** The checkout's commit, with "+changes" when tracked files differ from it. */
function codeVersion(): string {
  const git = (args: string[]) => spawnSync('git', args, { cwd: projectRoot(), encoding: 'utf8' });
  const head = git(['rev-parse', 'HEAD']);
  const changed = git(['status', '--porcelain', '--untracked-files=no']).stdout?.trim();
  return head.status === 0 ? `${head.stdout.trim()}${changed ? '+changes' : ''}` : 'unknown (not a git checkout)';
}

/** A ledger's scores as the run's metrics: the ledger leaves out the run folder, which is this machine's. */
const fromLedger = (scores: unknown, runDir: string): AblationMetrics => ({ ...(scores as AblationMetrics), runDir });

const seedRange = (seeds = 1) => Array.from({ length: seeds }, (_, s) => s);

/** The cache name of a row's run for one seed index. */
export function ablationRunName(row: string, seedIndex: number): string {
  return `bigbigan-${row}-s${seedIndex}`;
}

/** The config of a row's run for one seed index: Base, the change, the overrides, the seed. */
function ablationRunConfig(options: AblationOptions, change: ConfigOverrides, seedIndex: number): TrainingConfig {
  return mergeConfig(mergeConfig(options.base, change), { ...options.overrides, seed: options.base.seed + seedIndex });
}

/** A row and seed of a sweep without scores yet, and why. */
export interface MissingRun {
  row: string;
  seedIndex: number;
  dir: string;
  reason: 'not started' | 'unfinished' | 'not scored';
}

/**
 * The scores of every named row and seed that has finished and been scored (by `runAblationRow`, locally or as a
 * cluster task, or recorded in the committed ledger), without training anything; the others are listed as missing,
 * with why. With `record`, the scores found in run folders are written to the ledger.
 */
export function collectAblations(
  rows: string[],
  options: AblationOptions,
): { results: AblationMetrics[]; missing: MissingRun[] } {
  const results: AblationMetrics[] = [];
  const missing: MissingRun[] = [];
  const key = JSON.stringify(options.evaluation);
  for (const row of rows) {
    const change = ablationChange(row, options.base);
    for (const s of options.seedIndices ?? seedRange(options.seeds)) {
      const config = ablationRunConfig(options, change, s);
      const name = ablationRunName(row, s);
      const dir = cachedRunDir(name, config, options.root);
      const recorded = ledgerScores(name, config, key);
      const run = fs.existsSync(path.join(dir, 'config.json')) ? RunFolder.open(dir) : null;
      const scored = recorded ? fromLedger(recorded, dir) : run?.readAblationMetrics()[key];
      if (scored && !recorded && options.record) recordScores(name, config, key, scored as AblationMetrics);
      if (scored) results.push(scored as AblationMetrics);
      else {
        const reason = !run ? 'not started' : run.finishedCheckpoint() ? 'not scored' : 'unfinished';
        missing.push({ row, seedIndex: s, dir, reason });
      }
    }
  }
  return { results, missing };
}

/** Every named row of {@link ABLATIONS}, in order: the CLI's `bigan ablate`. */
export async function runAblations(rows: string[], options: AblationOptions): Promise<AblationMetrics[]> {
  const results: AblationMetrics[] = [];
  for (const row of rows) results.push(...(await runAblationRow(row, ablationChange(row, options.base), options)));
  return results;
}
