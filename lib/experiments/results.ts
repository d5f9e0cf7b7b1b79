import type { RepresentationMetrics } from '../eval/representation.js';
import type { TrainingConfig } from '../config/training-config.js';
import { readJsonFile } from '../util/json-file.js';
import type { EvaluationSettings } from './ablations.js';
import type { ClaimResult, TableRow } from './statistics.js';
import type { ConfirmatoryClaim } from './confirmatory.js';
import type { EpochRecord } from '../io/run-folder.js';
import { lockResults, resultsFile, writeResults } from './results-files.js';

/** One evaluation of a run's checkpoint. */
export interface Milestone {
  epoch: number;
  metrics: RepresentationMetrics;
  classControl?: number;
  reconstructionAgreement?: number;
}

/**
 * Adds `latest` to a run's evaluations: one per epoch (a new one replaces an old one of the same epoch), oldest
 * first.
 */
export function withMilestone(milestones: Milestone[], latest: Milestone): Milestone[] {
  return [...milestones.filter((m) => m.epoch !== latest.epoch), latest].sort((a, b) => a.epoch - b.epoch);
}

/** A finished long run's numbers, committed under data/results/ so that notebooks can show them without weights. */
export interface RunResults {
  name: string;
  config: TrainingConfig;
  /** Epochs trained when the metrics were taken. */
  epoch: number;
  trainingSeconds: number;
  metrics: RepresentationMetrics;
  /** Fraction of G(z, c) the classifier labels c (conditional models only). */
  classControl?: number;
  /** Fraction of test digits x whose G(E(x)) the classifier labels as x's digit (results from before it lack it). */
  reconstructionAgreement?: number;
  /** Every evaluation of this run, the headline one (the latest epoch) included, oldest first. */
  milestones?: Milestone[];
  history: EpochRecord[];
  backend: string;
  recordedAt: string;
}

export { lockResults, resultsFile, writeResults };

export function saveResults(results: RunResults): string {
  return writeResults(results.name, results);
}

/** A BigBiGAN ablation table as `bigan ablate --results NAME` records it. */
export interface AblationTable {
  name: string;
  /** What every row-seed trained: the same for all. */
  budget: {
    name: string;
    epochs: number;
    steps: number;
    batchSize: number;
    /** Mean training time of a row-seed on the machine that made the table. */
    minutesPerRowSeed: number;
  };
  evaluation: EvaluationSettings;
  base: TrainingConfig;
  rows: TableRow[];
  claims: ClaimResult[];
  seconds: number;
  recordedAt: string;
}

/** The committed ablation table `name`, or null when none has been recorded. */
export function readAblationTable(name: string): AblationTable | null {
  const table = readJsonFile(resultsFile(name), null) as (AblationTable & { exploratory?: AblationTable }) | null;
  // A table with a confirmatory part keeps the exploratory one under its own key.
  return table?.exploratory ?? table;
}

/**
 * A plan's confirmatory results as `ablate --plan NAME --results TABLE` writes them into TABLE.json, beside the
 * exploratory table that file already held (moved under `exploratory`).
 */
export interface ConfirmatoryTable {
  plan: { name: string; file: string; sha256: string; committedAt: string | null };
  /** FID of 5,000 training against 5,000 test digits: what real digits score (logits and penultimate layer). */
  frechetDistanceFloor: { logits: number; penultimate: number };
  rows: TableRow[];
  claims: ConfirmatoryClaim[];
  leftOut: { row: string; seedIndex: number; reason: string }[];
  recordedAt: string;
}

/** The confirmatory part of data/results/<name>.json, or null while the file has none. */
export function readConfirmatoryTable(name: string): ConfirmatoryTable | null {
  const table = readJsonFile(resultsFile(name), null) as { confirmatory?: ConfirmatoryTable } | null;
  return table?.confirmatory ?? null;
}

/** Writes `confirmatory` into data/results/<name>.json, keeping (and labelling) the exploratory table there. */
export function writeConfirmatoryTable(name: string, confirmatory: ConfirmatoryTable): string {
  const existing = readJsonFile(resultsFile(name), null) as Record<string, unknown> | null;
  const exploratory = existing && ('exploratory' in existing ? existing.exploratory : existing);
  return writeResults(name, { ...(exploratory ? { exploratory } : {}), confirmatory });
}

/** The committed results of `name`, or null when that run has not been recorded. */
export function readResults(name: string): RunResults | null {
  return readJsonFile(resultsFile(name), null) as RunResults | null;
}
