import path from 'node:path';
import { initBackend } from '../backend/backend.js';
import { BIGBIGAN_BASE } from '../config/bigbigan-presets.js';
import { type ConfigOverrides, mergeConfig } from '../config/training-config.js';
import { ABLATION_NAMES, type AblationOptions, collectAblations, runAblations } from '../experiments/ablations.js';
import { lockResults, resultsFile, writeResults } from '../experiments/results.js';
import {
  ABLATION_BUDGETS,
  ABLATION_EVALUATION,
  type AblationBudget,
  ablationTable,
} from '../experiments/ablation-table.js';
import type { ClaimResult, TableRow } from '../experiments/statistics.js';
import { consoleProgress } from '../training/progress.js';
import { pCell, rowTable } from '../experiments/table-cells.js';
import { columnsTable } from '../util/text-tables.js';
import { choiceFlag, integerFlag, poolFlags } from './flags.js';
import { runsDir } from '../util/paths.js';
import { biganArgv, biganCommand, engineFlag, jobScript, shellWord, type SlurmOptions, submit } from './slurm.js';
import { poolLayout } from './throughput.js';
import { runSweep } from './sweep.js';
import { ablatePlanCommand } from './ablate-plan.js';
import { defineCommand, POOL_OPTIONS, SLURM_OPTIONS } from './command.js';

/**
 * `bigan ablate`: BigBiGAN's ablations at MNIST scale, each row trained once per seed (finished runs are reused)
 * and scored; `--engine slurm` submits them as a job array instead, `--collect` tables what has finished.
 */
export async function ablateCommand(flags: {
  rows?: string;
  budget?: string;
  epochs?: string;
  set?: string;
  curveEvery?: string;
  seeds?: string;
  seedIndex?: string;
  retrain: boolean;
  record: boolean;
  json: boolean;
  results?: string;
  collect: boolean;
  engine?: string;
  jobs?: string;
  threadsPerJob?: string;
  partition?: string;
  gres?: string;
  time?: string;
  dryRun: boolean;
}): Promise<number> {
  const budget = choiceFlag('budget', flags.budget, ABLATION_BUDGETS, 'quick');
  const rows = flags.rows ? flags.rows.split(',').map((r) => r.trim()) : ABLATION_NAMES;
  for (const row of rows)
    if (!ABLATION_NAMES.includes(row))
      throw new Error(`--rows: unknown row '${row}' (known: ${ABLATION_NAMES.join(', ')})`);
  const seedsOf = seedsFlag(flags.seeds, rows);
  const seedIndex = integerFlag('seed-index', flags.seedIndex, { max: 99 });
  const epochs = integerFlag('epochs', flags.epochs, { min: 1 });
  const curveEvery = integerFlag('curve-every', flags.curveEvery, { min: 1 });
  const set = overridesFlag(flags.set);
  const slurm = { partition: flags.partition, gres: flags.gres, time: flags.time, dryRun: flags.dryRun };
  const engine = engineFlag(flags.engine, slurm);
  if (flags.results) resultsFile(flags.results); // a bad name fails now, not after the training
  const options = {
    base: BIGBIGAN_BASE[budget],
    ...(seedIndex !== undefined && { seedIndices: [seedIndex] }),
    overrides: { ...set, ...(epochs && { epochs }) },
    evaluation: ABLATION_EVALUATION[budget],
    curveEvery,
    retrain: flags.retrain,
    record: flags.record,
    progress: flags.json ? undefined : consoleProgress(),
  };
  const tasks = rows.flatMap((row) =>
    (seedIndex !== undefined ? [seedIndex] : Array.from({ length: seedsOf(row) }, (_, s) => s)).map((seed) => ({
      row,
      seed,
    })),
  );
  if (engine === 'slurm') {
    if (flags.collect || flags.results || seedIndex !== undefined) {
      throw new Error(
        '--engine slurm submits the sweep; table it with --collect (and --results) once the tasks are done',
      );
    }
    if (flags.jobs || flags.threadsPerJob) throw new Error("--jobs and --threads-per-job are the local engine's");
    submit(`ablate-${budget}`, arrayJobScript(tasks, sweepArgs(budget, flags), slurm), slurm);
    return 0;
  }
  const { jobs, threads: threadsPerJob } = poolFlags(flags);
  if (flags.collect && (jobs !== undefined || threadsPerJob !== undefined))
    throw new Error('--collect trains nothing: --jobs and --threads-per-job do not apply');
  // Taken before any work: a second process tabling the same results is refused now, not after its sweep.
  const releaseTable = flags.results ? lockResults(flags.results) : () => {};
  try {
    const pooled = !flags.collect && (await sweepLayout(tasks.length, seedIndex, jobs, threadsPerJob));
    if (pooled) {
      const outcome = await runSweepPool(tasks, sweepArgs(budget, flags), pooled, `ablate-${budget}`);
      if (outcome !== 0) return outcome;
    }
    return await tableSweep(rows, seedsOf, options, flags, budget, epochs, pooled !== false || flags.collect);
  } finally {
    releaseTable();
  }
}

/**
 * The pool's layout for a sweep of `count` tasks, or false to train in this process: one task, a task of a sweep
 * (--seed-index), or a machine where one process at all threads is the faster layout and --jobs was not given.
 */
async function sweepLayout(
  count: number,
  seedIndex: number | undefined,
  jobs: number | undefined,
  threads: number | undefined,
): Promise<{ jobs: number; threads: number } | false> {
  if (seedIndex !== undefined || (count <= 1 && jobs === undefined)) return false;
  const layout = await poolLayout(jobs, threads);
  return jobs === undefined && layout.jobs === 1 && threads === undefined ? false : layout;
}

/** The options every task of a sweep passes on to its own `bigan ablate`. */
function sweepArgs(
  budget: string,
  flags: { epochs?: string; set?: string; curveEvery?: string; retrain: boolean; record: boolean },
): string[] {
  return [
    '--budget',
    budget,
    ...(flags.epochs ? ['--epochs', flags.epochs] : []),
    ...(flags.set ? ['--set', flags.set] : []),
    ...(flags.curveEvery ? ['--curve-every', flags.curveEvery] : []),
    ...(flags.retrain ? ['--retrain'] : []),
    ...(flags.record ? ['--record'] : []),
  ];
}

/**
 * Runs each row x seed as its own `bigan ablate --rows ROW --seed-index S` process, `layout.jobs` at a time, with
 * a log each under <runs>/pool/NAME/. Returns 0 when every task finished, STOPPED_EXIT_CODE when the sweep was
 * stopped (rerunning resumes it), 1 when a task failed.
 */
async function runSweepPool(
  tasks: { row: string; seed: number }[],
  common: string[],
  layout: { jobs: number; threads: number },
  name: string,
): Promise<number> {
  const logs = path.join(runsDir(), 'pool', name);
  const poolTasks = tasks.map(({ row, seed }) => ({
    label: `${row} s${seed}`,
    command: biganArgv(['ablate', ...common, '--rows', row, '--seed-index', String(seed)]),
    log: path.join(logs, `${row}-s${seed}.log`),
  }));
  return runSweep(poolTasks, layout, `logs in ${logs}`);
}

/**
 * The table of the sweep: the scores just computed in this process, or (`collect`) those the sweep's runs
 * recorded; printed, and written to data/results/NAME.json with --results.
 */
async function tableSweep(
  rows: string[],
  seedsOf: (row: string) => number,
  options: Omit<AblationOptions, 'seeds'>,
  flags: { results?: string; json: boolean },
  budget: AblationBudget,
  epochs: number | undefined,
  collect: boolean,
): Promise<number> {
  await initBackend();
  const started = performance.now();
  const results = [];
  if (collect) {
    const missing = [];
    for (const row of rows) {
      const collected = collectAblations([row], { ...options, seeds: seedsOf(row) });
      results.push(...collected.results);
      missing.push(...collected.missing);
    }
    for (const m of missing) console.error(`missing: ${m.row} seed ${m.seedIndex} (${m.reason}): ${m.dir}`);
    if (flags.results && missing.length > 0) {
      throw new Error(
        `${missing.length} of the sweep's runs are missing: no table written to ${resultsFile(flags.results)}`,
      );
    }
  } else {
    for (const row of rows) results.push(...(await runAblations([row], { ...options, seeds: seedsOf(row) })));
  }
  const table = ablationTable(flags.results ?? 'ablations', results, {
    budget,
    epochs,
    seconds: (performance.now() - started) / 1000,
  });
  printTable(table.rows, table.claims, flags.json);
  if (flags.results) {
    const file = writeResults(flags.results, table);
    if (!flags.json) console.log(`results written to ${file}`);
  }
  return 0;
}

/**
 * `--seeds 3` (every row three seeds) or `--seeds 3,base=5` (Base five, the others three): the table asks for more
 * seeds of Base, which every claim compares against. Returns the count for a row.
 */
function seedsFlag(value: string | undefined, rows: string[]): (row: string) => number {
  const count = (text: string | undefined) => integerFlag('seeds', text, { min: 1, max: 100 });
  let fallback = 1;
  const perRow = new Map<string, number>();
  for (const part of (value ?? '1').split(',').map((p) => p.trim())) {
    const [row, text] = part.includes('=') ? part.split('=', 2) : [undefined, part];
    if (row === undefined) fallback = count(text)!;
    else if (!rows.includes(row))
      throw new Error(`--seeds: '${row}' is not one of the rows of this sweep (${rows.join(', ')})`);
    else perRow.set(row, count(text)!);
  }
  return (row) => perRow.get(row) ?? fallback;
}

/**
 * `--set '{"learningRate": 4e-4}'`: config fields changed from the budget's Base for every row (each run's config,
 * so its cache folder, changes with them). The merged config is validated, so a misspelt field is an error naming it.
 */
function overridesFlag(value: string | undefined): ConfigOverrides {
  if (value === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new Error(`--set: not JSON (${(error as Error).message}): ${value}`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`--set: must be a JSON object of config fields, got ${value}`);
  const overrides = parsed as ConfigOverrides;
  mergeConfig(BIGBIGAN_BASE.quick, overrides);
  return overrides;
}

function printTable(rows: TableRow[], claims: ClaimResult[], json: boolean): void {
  if (json) {
    for (const r of rows) console.log(JSON.stringify(r));
    for (const c of claims) console.log(JSON.stringify(c));
    return;
  }
  const { header, cells, right } = rowTable(rows);
  for (const line of columnsTable(header, cells, right)) console.log(line);
  console.log('(mean ± 95% interval over seeds)');
  for (const c of claims)
    console.log(`${c.verdict.padEnd(12)} p ${pCell(c.pValue).padEnd(7)}  ${c.comparison}  (${c.claim})`);
}

/**
 * A Slurm job array with one task per row and seed. Each task runs this checkout's `bigan ablate` for its row and
 * seed index into the shared runs folder, where runs are keyed by their config, so tasks never share a folder
 * (and each run folder has its lock besides). `--collect` then reads their scores. A task stopped by Slurm's
 * warning signal or a preemption checkpoints and requeues itself alone; the same command resumes its run.
 */
function arrayJobScript(tasks: { row: string; seed: number }[], common: string[], slurm: SlurmOptions): string {
  return jobScript(
    {
      name: 'bigan-ablate',
      directives: [`--array=0-${tasks.length - 1}`, `--output=${path.join(runsDir(), 'slurm', 'ablate-%A_%a.out')}`],
      setup: [
        `rows=(${tasks.map((t) => shellWord(t.row)).join(' ')})`,
        `seeds=(${tasks.map((t) => t.seed).join(' ')})`,
      ],
      command: `${biganCommand(['ablate', ...common])} --rows "\${rows[$SLURM_ARRAY_TASK_ID]}" --seed-index "\${seeds[$SLURM_ARRAY_TASK_ID]}"`,
    },
    slurm,
  );
}

const ABLATE_OPTIONS = {
  rows: { type: 'string' },
  budget: { type: 'string' },
  epochs: { type: 'string' },
  set: { type: 'string' },
  'curve-every': { type: 'string' },
  seeds: { type: 'string' },
  retrain: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  results: { type: 'string' },
  'seed-index': { type: 'string' },
  collect: { type: 'boolean', default: false },
  record: { type: 'boolean', default: false },
  plan: { type: 'string' },
  markdown: { type: 'boolean', default: false },
  ...POOL_OPTIONS,
  ...SLURM_OPTIONS,
} as const;

/** Options that set a sweep's rows, seeds or training, which an analysis plan sets itself. */
const SET_BY_PLAN = ['budget', 'epochs', 'set', 'seeds', 'retrain', 'curve-every', 'engine', 'record'] as const;

/** `bigan ablate`: an exploratory sweep, its table (--collect), or an analysis plan's confirmatory sweep (--plan). */
export const ablateCli = defineCommand({
  name: 'ablate',
  summary: "BigBiGAN's ablations at MNIST scale: a sweep of rows x seeds, its table, or an analysis plan's verdicts",
  usage: `bigan ablate [--rows base,deterministic-e,...] [--budget quick|table] [--epochs N] [--seeds K|K,ROW=K,...]
             [--seed-index I] [--set JSON] [--curve-every N] [--retrain] [--record] [--json] [--results NAME]
             [--jobs N] [--threads-per-job T] [--engine local|slurm [--partition P] [--gres G] [--time T] [--dry-run]]
bigan ablate --collect [--rows ...] [--budget ...] [--epochs N] [--seeds K|K,ROW=K,...] [--record] [--json]
             [--results NAME]
bigan ablate --plan NAME [--jobs N] [--threads-per-job T] [--collect] [--json | --markdown] [--results TABLE]

A sweep: IS, FID, 1NN and linear probe per row (finished runs reused). --seeds 3,base=5 gives Base five seeds and
the other rows three; --seed-index trains one seed only; --set changes config fields of every row ('{"beta1": 0}');
--curve-every records IS, FID, 1NN and reconstruction agreement every N steps of the runs that train (curve.json in
the run folder); --record also writes each run's scores to data/results/bigbigan-runs/ (commit them: a run-seed
recorded there is never trained again, on any machine). Row-seeds run as a local job pool: N processes at once, T
threads each (default: the layout \`info\` measured as faster), a log each in runs/pool/; Ctrl-C or TERM stops every
task at its next step with a checkpoint, and the same command again resumes. --engine slurm submits a job array
instead, one task per row x seed.

--collect: the table of the finished, scored runs (in runs/ or the ledger), listing the missing ones; --record
writes the scores found in runs/ to the ledger.

--plan: the confirmatory sweep of an analysis plan (data/results/NAME.json, or a .json path): its rows, paired
seeds, budget and evaluation, trained as a job pool, every run's ledger entry naming the plan's SHA-256; then each
claim judged (paired t-test, Holm over the family), from the entries made under the plan as committed (the others
are listed as left out, with why). --markdown prints the claims and the rows as Markdown tables (effects in points
of 1NN or units of FID) for a README. --collect only judges; --results writes the claims, rows and FID's real-data
floor under \`confirmatory\` in data/results/TABLE.json (its exploratory table moves under \`exploratory\`).`,
  options: ABLATE_OPTIONS,
  run: (values) => {
    const common = {
      seedIndex: values['seed-index'],
      threadsPerJob: values['threads-per-job'],
    };
    if (values.plan === undefined) {
      if (values.markdown) throw new Error('--markdown reports an analysis plan: give it with --plan');
      return ablateCommand({ ...values, ...common, curveEvery: values['curve-every'], dryRun: values['dry-run'] });
    }
    const given = SET_BY_PLAN.filter((k) => values[k] !== undefined && values[k] !== false);
    if (given.length > 0)
      throw new Error(`--plan sets the sweep itself: ${given.map((k) => `--${k}`).join(', ')} cannot be given with it`);
    const { plan, rows, collect, jobs, json, markdown, results } = values;
    if (json && markdown) throw new Error('give --json or --markdown, not both');
    return ablatePlanCommand({ plan, rows, collect, jobs, json, markdown, results, ...common });
  },
});
