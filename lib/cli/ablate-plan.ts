import fs from 'node:fs';
import path from 'node:path';
import { initBackend } from '../backend/backend.js';
import { type AblationMetrics, ablationRunName, runAblations } from '../experiments/ablations.js';
import { cachedRunDir } from '../training/cached-run.js';
import {
  type LoadedPlan,
  planBase,
  planCommittedAt,
  planRows,
  planSeeds,
  readPlan,
} from '../experiments/analysis-plan.js';
import {
  collectPlanRuns,
  type ConfirmatoryClaim,
  judgeClaims,
  type LeftOut,
  planRunConfig,
} from '../experiments/confirmatory.js';
import { lockResults, resultsFile, writeConfirmatoryTable } from '../experiments/results.js';
import { type TableRow, tableRows } from '../experiments/statistics.js';
import { CLAIM_COLUMNS, claimCells, rowTable } from '../experiments/table-cells.js';
import { columnsTable, markdownTable } from '../util/text-tables.js';
import { frechetDistanceFloor } from '../eval/generation-scores.js';
import { consoleProgress } from '../training/progress.js';
import { runsDir } from '../util/paths.js';
import { integerFlag, poolFlags } from './flags.js';
import { biganArgv } from './slurm.js';
import { runSweep } from './sweep.js';
import { poolLayout } from './throughput.js';

/** `--plan bigbigan-plan` (data/results/bigbigan-plan.json) or a path to a plan file. */
export function planFile(flag: string): string {
  return flag.endsWith('.json') ? path.resolve(flag) : resultsFile(flag);
}

/**
 * `bigan ablate --plan NAME [--jobs N] [--threads-per-job T]`: trains the plan's rows and seeds (a job pool; each
 * run's ledger entry records the plan's SHA-256), then judges its claims. `--collect` only judges. `--rows R
 * --seed-index I` trains one row-seed of the plan (what each task of the pool runs).
 */
export async function ablatePlanCommand(flags: {
  plan: string;
  rows?: string;
  seedIndex?: string;
  collect: boolean;
  jobs?: string;
  threadsPerJob?: string;
  json: boolean;
  markdown?: boolean;
  results?: string;
}): Promise<number> {
  const loaded = readPlan(planFile(flags.plan));
  const { plan } = loaded;
  const known = planRows(plan);
  const rows = flags.rows ? flags.rows.split(',').map((r) => r.trim()) : known;
  for (const row of rows)
    if (!known.includes(row)) throw new Error(`--rows: '${row}' is not a row of ${loaded.file} (${known.join(', ')})`);
  const seedIndex = integerFlag('seed-index', flags.seedIndex, { max: 999 });
  if (seedIndex !== undefined) {
    for (const row of rows)
      if (!planSeeds(plan, row).includes(seedIndex))
        throw new Error(`--seed-index ${seedIndex} is not a seed of row ${row} in ${loaded.file}`);
    await initBackend();
    await runAblations(rows, {
      base: planBase(plan),
      seedIndices: [seedIndex],
      evaluation: plan.evaluation,
      record: true,
      plan: { name: plan.name, sha256: loaded.sha256 },
      progress: consoleProgress(),
    });
    return 0;
  }
  if (!flags.collect) {
    const code = await trainPlanSweep(loaded, rows, flags);
    if (code !== 0) return code;
  }
  const { results, leftOut } = collectPlanRuns(loaded);
  for (const l of leftOut) console.error(`left out: ${l.row} seed ${l.seedIndex}: ${l.reason}`);
  const claims = judgeClaims(plan, results);
  if (flags.markdown) printMarkdown(claims, tableRows(results));
  else printClaims(claims, flags.json);
  if (flags.results) {
    const file = await writePlanReport(flags.results, loaded, results, claims, leftOut);
    if (!flags.json) console.log(`confirmatory results written to ${file}`);
  }
  return 0;
}

/**
 * Trains the plan's row-seeds not yet in the ledger as a job pool, seed by seed across the rows, so that a sweep cut
 * short leaves complete pairs, not complete rows. Returns the pool's exit code.
 */
async function trainPlanSweep(
  loaded: LoadedPlan,
  rows: string[],
  flags: { plan: string; jobs?: string; threadsPerJob?: string },
): Promise<number> {
  const { plan } = loaded;
  const { jobs, threads } = poolFlags(flags);
  const logs = path.join(runsDir(), 'pool', plan.name);
  const recorded = collectPlanRuns(loaded).leftOut;
  const tasks = plan.seeds.base.flatMap((s) =>
    rows
      .filter((row) => planSeeds(plan, row).includes(s))
      .map((row) => ({
        label: `${row} s${s}`,
        command: biganArgv(['ablate', '--plan', flags.plan, '--rows', row, '--seed-index', String(s)]),
        log: path.join(logs, `${row}-s${s}.log`),
        finished: !recorded.some((l) => l.row === row && l.seedIndex === s),
        resumes: fs.existsSync(path.join(planRunDir(loaded, row, s), 'config.json')),
      })),
  );
  return runSweep(tasks, await poolLayout(jobs, threads), `plan ${loaded.file}; logs in ${logs}`);
}

/** Where row `row`'s run of plan seed `seedIndex` trains (runs are cached by their full config). */
function planRunDir(loaded: LoadedPlan, row: string, seedIndex: number): string {
  return cachedRunDir(ablationRunName(row, seedIndex), planRunConfig(loaded.plan, row, seedIndex));
}

/** Writes the confirmatory report under `confirmatory` in data/results/NAME.json; returns the file. */
async function writePlanReport(
  name: string,
  loaded: LoadedPlan,
  results: AblationMetrics[],
  claims: ConfirmatoryClaim[],
  leftOut: LeftOut[],
): Promise<string> {
  const release = lockResults(name);
  try {
    await initBackend();
    const committed = planCommittedAt(loaded);
    return writeConfirmatoryTable(name, {
      plan: {
        name: loaded.plan.name,
        file: path.relative(process.cwd(), loaded.file),
        sha256: loaded.sha256,
        committedAt: committed?.toISOString() ?? null,
      },
      frechetDistanceFloor: await frechetDistanceFloor(5000),
      rows: tableRows(results),
      claims,
      leftOut,
      recordedAt: new Date().toISOString(),
    });
  } finally {
    release();
  }
}

function printClaims(claims: ConfirmatoryClaim[], json: boolean): void {
  if (json) {
    for (const c of claims) console.log(JSON.stringify(c));
    return;
  }
  for (const line of columnsTable(CLAIM_COLUMNS, claims.map(claimCells))) console.log(line);
}

/** The report as it goes into a README: the claims, then each row's metrics (mean ± 95% interval over seeds). */
function printMarkdown(claims: ConfirmatoryClaim[], rows: TableRow[]): void {
  const right = CLAIM_COLUMNS.map((c) => !['claim', 'comparison', 'unit', 'verdict'].includes(c));
  for (const line of markdownTable(CLAIM_COLUMNS, claims.map(claimCells), right)) console.log(line);
  console.log('');
  const { header, cells, right: numbers } = rowTable(rows);
  for (const line of markdownTable(header, cells, numbers)) console.log(line);
}
