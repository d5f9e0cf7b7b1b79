import fs from 'node:fs';
import path from 'node:path';
import type { TrainingConfig } from '../config/training-config.js';
import { configKey } from '../training/cached-run.js';
import { writeFileAtomic } from '../util/atomic.js';
import { readJsonFile } from '../util/json-file.js';
import { projectFolder } from '../util/paths.js';

/**
 * The scores of finished ablation runs, committed under data/results/bigbigan-runs/ (one file a run, named like
 * its run folder). A run folder holds weights and checkpoints that stay out of git, and the machines that train a
 * table do not keep runs/ from one sitting to the next; the ledger does travel with the repository, so a table
 * accumulates row-seed by row-seed across machines, and a row-seed scored once is never trained again for it.
 */
export interface LedgerEntry {
  /** The run folder's name: <run name>-<config hash>. */
  run: string;
  configKey: string;
  config: TrainingConfig;
  /** Scores keyed by the evaluation settings they were taken with, as in the run folder's ablation-metrics.json. */
  scores: Record<string, unknown>;
  /**
   * For a run of a confirmatory sweep: the analysis plan it was trained under (the SHA-256 of the plan file's bytes
   * when the run was recorded) and when the run started (its folder's config.json was written), so that a table
   * can check that the plan was committed, as it is, before the run began.
   */
  plan?: { name: string; sha256: string; runStartedAt: string; code?: string };
}

/** Where the ledger lives: bigbigan-runs/ in the results folder ($BIGAN_RESULTS_DIR, else data/results). */
export function ledgerDir(): string {
  return path.join(projectFolder('BIGAN_RESULTS_DIR', 'data', 'results'), 'bigbigan-runs');
}

const ledgerFile = (name: string, config: TrainingConfig) =>
  path.join(ledgerDir(), `${name}-${configKey(config)}.json`);

/**
 * The entry of run `name` with `config`, or null when none was recorded. An entry whose config does not hash to its
 * file's name (edited by hand, or written for another config) is an error naming the file, never a silent score.
 */
export function readLedgerEntry(name: string, config: TrainingConfig): LedgerEntry | null {
  const file = ledgerFile(name, config);
  const entry = readJsonFile(file, null) as LedgerEntry | null;
  if (entry === null) return null;
  const key = configKey(config);
  if (typeof entry !== 'object' || typeof entry.scores !== 'object' || entry.scores === null || !entry.config)
    throw new Error(`${file}: not a ledger entry (run, configKey, config and scores expected)`);
  let recorded: string;
  try {
    recorded = configKey(entry.config);
  } catch (error) {
    throw new Error(`${file}: its config is invalid (${(error as Error).message})`, { cause: error });
  }
  if (recorded !== key || entry.configKey !== key)
    throw new Error(`${file}: its config hashes to ${recorded}, not ${key}: the entry belongs to another run`);
  return entry;
}

/** The scores recorded for run `name` with `config` under evaluation `key`, or undefined. */
export function ledgerScores(name: string, config: TrainingConfig, key: string): unknown {
  return readLedgerEntry(name, config)?.scores[key];
}

/**
 * Adds (or replaces) the scores of run `name` with `config` under evaluation `key`, atomically; with `plan`, the
 * plan the run was trained under as well.
 */
export function recordLedgerScores(
  name: string,
  config: TrainingConfig,
  key: string,
  scores: unknown,
  plan?: LedgerEntry['plan'],
): string {
  const file = ledgerFile(name, config);
  const entry = readLedgerEntry(name, config) ?? {
    run: path.basename(file, '.json'),
    configKey: configKey(config),
    config,
    scores: {},
  };
  entry.scores[key] = scores;
  if (plan) entry.plan = plan;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify(entry, null, 1)}\n`);
  return file;
}
