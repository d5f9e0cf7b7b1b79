import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BIGBIGAN_BASE } from '../config/bigbigan-presets.js';
import { type ConfigOverrides, mergeConfig, type TrainingConfig } from '../config/training-config.js';
import { ABLATIONS, type EvaluationSettings } from './ablations.js';
import { TABLE_METRICS, type TableMetric } from './statistics.js';

/** One claim of a plan: `better` beats `worse` on `metric`, or is not worse than it by more than `margin`. */
export interface PlanClaim {
  id: string;
  claim: string;
  better: string;
  worse: string;
  metric: TableMetric;
  test: 'superiority' | 'non-inferiority';
  /** Non-inferiority only: the largest loss, in the metric's units, that still counts as no harm. */
  margin?: number;
}

/**
 * An analysis plan, written before the runs it judges: which rows, which seeds (paired: seed index k of every row
 * shares data order, noise and the initial weights of every network the rows share), the training budget and the
 * evaluation, the claims, their tests and their family-wise correction.
 */
export interface AnalysisPlan {
  name: string;
  /** Why the plan is as it is: the budget, the margins, the seeds; in words. */
  rationale: string[];
  /** Base: the named BigBiGAN preset with these overrides; every row is Base with its change. */
  budget: { preset: 'quick' | 'table'; overrides: ConfigOverrides };
  evaluation: EvaluationSettings;
  /** Seed indices: Base's, and every other row's (a subset of Base's, so that each pair exists). */
  seeds: { base: number[]; rows: number[] };
  analysis: {
    /** The test of each claim: the paired t-test on the seeds' differences. */
    test: 'paired-t';
    /** Reported beside it, not deciding: the exact sign-flip permutation test. */
    robustness: 'sign-flip';
    correction: 'holm';
    familyAlpha: number;
    /** One-sided level of a non-inferiority claim: its one-sided p is doubled before Holm's correction. */
    nonInferiorityLevel: number;
    power: number;
  };
  claims: PlanClaim[];
}

/** The plan, its file and the SHA-256 of the file's bytes: what every run trained under it records. */
export interface LoadedPlan {
  plan: AnalysisPlan;
  file: string;
  sha256: string;
}

/** Reads and validates a plan file; an error names the file and the field. */
export function readPlan(file: string): LoadedPlan {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new Error(`${file}: cannot read the analysis plan (${(error as Error).message})`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new Error(`${file}: corrupt JSON (${(error as Error).message})`, { cause: error });
  }
  try {
    return { plan: validatePlan(value), file, sha256: createHash('sha256').update(bytes).digest('hex') };
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** Checks a plan written by hand (or in a notebook): every row known, every seed paired, every claim testable. */
export function validatePlan(value: unknown): AnalysisPlan {
  const plan = value as AnalysisPlan;
  if (!plan || typeof plan !== 'object') throw new Error('an analysis plan must be a JSON object');
  if (typeof plan.name !== 'string' || !plan.name) throw new Error("'name' must name the plan");
  if (!BIGBIGAN_BASE[plan.budget?.preset]) throw new Error("'budget.preset' must be quick or table");
  planBase(plan);
  const indices = (list: unknown, field: string) => {
    if (!Array.isArray(list) || list.length === 0 || !list.every((s) => Number.isInteger(s) && s >= 0 && s < 1000))
      throw new Error(`'${field}' must list seed indices (whole numbers from 0 to 999)`);
    if (new Set(list).size !== list.length) throw new Error(`'${field}' names a seed twice`);
  };
  indices(plan.seeds?.base, 'seeds.base');
  indices(plan.seeds?.rows, 'seeds.rows');
  const unpaired = plan.seeds.rows.filter((s) => !plan.seeds.base.includes(s));
  if (unpaired.length > 0) throw new Error(`'seeds.rows' has seeds Base lacks (${unpaired}): they cannot be paired`);
  const a = plan.analysis;
  if (a?.test !== 'paired-t' || a.robustness !== 'sign-flip' || a.correction !== 'holm')
    throw new Error("'analysis' must be { test: 'paired-t', robustness: 'sign-flip', correction: 'holm', ... }");
  for (const level of ['familyAlpha', 'nonInferiorityLevel', 'power'] as const)
    if (!(a[level] > 0 && a[level] < 1)) throw new Error(`'analysis.${level}' must be between 0 and 1`);
  if (!Array.isArray(plan.claims) || plan.claims.length === 0) throw new Error("'claims' must list the claims");
  const ids = new Set<string>();
  plan.claims.forEach((c, i) => {
    const where = `claims[${i}]`;
    if (typeof c.id !== 'string' || ids.has(c.id)) throw new Error(`'${where}.id' must be a unique name`);
    ids.add(c.id);
    for (const row of [c.better, c.worse]) if (!ABLATIONS[row]) throw new Error(`'${where}': unknown row '${row}'`);
    if (!(TABLE_METRICS as readonly string[]).includes(c.metric))
      throw new Error(`'${where}.metric' must be one of ${TABLE_METRICS.join(', ')}`);
    if (c.test === 'non-inferiority') {
      if (!(typeof c.margin === 'number' && c.margin > 0))
        throw new Error(`'${where}.margin' must be a positive number`);
    } else if (c.test !== 'superiority' || c.margin !== undefined)
      throw new Error(`'${where}': test must be superiority (no margin) or non-inferiority (a margin)`);
  });
  return plan;
}

/** Base's config under the plan. */
export function planBase(plan: AnalysisPlan): TrainingConfig {
  return mergeConfig(BIGBIGAN_BASE[plan.budget.preset], plan.budget.overrides ?? {});
}

/** The rows the plan's claims compare, Base first. */
export function planRows(plan: AnalysisPlan): string[] {
  return [...new Set(['base', ...plan.claims.flatMap((c) => [c.better, c.worse])])];
}

/** The seed indices a row trains under the plan. */
export function planSeeds(plan: AnalysisPlan, row: string): number[] {
  return row === 'base' ? plan.seeds.base : plan.seeds.rows;
}

/**
 * When `plan.file`, as it is now, was first committed to git (the SHA-256 of its content at each commit that
 * touched it is compared), or null when no commit holds it: a plan counts as written before a run only if a commit
 * holding exactly this content is older than the run. Errors when git cannot answer (not a checkout).
 */
export function planCommittedAt(plan: LoadedPlan): Date | null {
  const dir = path.dirname(path.resolve(plan.file));
  const git = (args: string[]) => {
    const result = spawnSync('git', args, { cwd: dir, encoding: 'buffer', maxBuffer: 64 << 20 });
    if (result.status !== 0)
      throw new Error(`git ${args[0]} failed in ${dir}: ${result.stderr?.toString().trim() || result.error?.message}`);
    return result.stdout;
  };
  const relative = git(['ls-files', '--full-name', path.basename(plan.file)])
    .toString()
    .trim();
  if (!relative) return null;
  const commits = git(['log', '--format=%H %cI', '--', path.basename(plan.file)])
    .toString()
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' '));
  let first: Date | null = null;
  for (const [hash, date] of commits) {
    const content = git(['show', `${hash}:${relative}`]);
    if (createHash('sha256').update(content).digest('hex') === plan.sha256) first = new Date(date);
  }
  return first;
}
