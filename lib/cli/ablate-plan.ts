import path from 'node:path';
import { initBackend } from '../backend/backend.js';
import { runAblations } from '../experiments/ablations.js';
import { planBase, planCommittedAt, planRows, planSeeds, readPlan } from '../experiments/analysis-plan.js';
import { collectPlanRuns, type ConfirmatoryClaim, judgeClaims } from '../experiments/confirmatory.js';
import { lockResults, resultsFile, writeConfirmatoryTable } from '../experiments/results.js';
import { tableRows } from '../experiments/statistics.js';
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
    const { jobs, threads } = poolFlags(flags);
    const logs = path.join(runsDir(), 'pool', plan.name);
    const recorded = collectPlanRuns(loaded).leftOut;
    // Seed by seed across the rows: a sweep cut short leaves complete pairs, not complete rows.
    const tasks = plan.seeds.base.flatMap((s) =>
      rows
        .filter((row) => planSeeds(plan, row).includes(s))
        .map((row) => ({
          label: `${row} s${s}`,
          command: biganArgv(['ablate', '--plan', flags.plan, '--rows', row, '--seed-index', String(s)]),
          log: path.join(logs, `${row}-s${s}.log`),
          finished: !recorded.some((l) => l.row === row && l.seedIndex === s),
        })),
    );
    const code = await runSweep(tasks, await poolLayout(jobs, threads), `plan ${loaded.file}; logs in ${logs}`);
    if (code !== 0) return code;
  }
  const { results, leftOut } = collectPlanRuns(loaded);
  for (const l of leftOut) console.error(`left out: ${l.row} seed ${l.seedIndex}: ${l.reason}`);
  const claims = judgeClaims(plan, results);
  printClaims(claims, flags.json);
  if (flags.results) {
    const release = lockResults(flags.results);
    try {
      await initBackend();
      const committed = planCommittedAt(loaded);
      const file = writeConfirmatoryTable(flags.results, {
        plan: {
          name: plan.name,
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
      if (!flags.json) console.log(`confirmatory results written to ${file}`);
    } finally {
      release();
    }
  }
  return 0;
}

function printClaims(claims: ConfirmatoryClaim[], json: boolean): void {
  if (json) {
    for (const c of claims) console.log(JSON.stringify(c));
    return;
  }
  const number = (v: number | null, digits = 4) => (v === null ? '-' : v.toFixed(digits));
  console.log(`${'claim'.padEnd(8)} ${'pairs'.padStart(5)} ${'effect [95% CI]'.padEnd(30)} p        Holm p   verdict`);
  for (const c of claims) {
    const interval = c.ci95 ? `[${number(c.ci95[0])}, ${number(c.ci95[1])}]` : '';
    console.log(
      `${c.id.padEnd(8)} ${String(c.seeds.length).padStart(5)} ${`${number(c.effect)} ${interval}`.padEnd(30)} ` +
        `${number(c.pValue).padEnd(8)} ${number(c.pHolm).padEnd(8)} ${c.verdict}  (${c.comparison})`,
    );
  }
}
