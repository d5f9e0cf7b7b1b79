import path from 'node:path';
import { initBackend } from '../backend/backend.js';
import { BIGBIGAN_BASE } from '../config/bigbigan-presets.js';
import { ABLATION_NAMES, collectAblations, runAblations, type EvaluationSettings } from '../experiments/ablations.js';
import { type AblationTable, resultsFile, writeResults } from '../experiments/results.js';
import { type AblationSummary, summarizeAblations } from '../experiments/statistics.js';
import { consoleProgress } from '../training/progress.js';
import { choiceFlag, integerFlag } from './flags.js';
import { runsDir } from '../util/paths.js';
import { biganCommand, engineFlag, sbatchHeader, shellWord, type SlurmOptions, submit } from './slurm.js';

const BUDGETS = ['quick', 'table'] as const;

const EVALUATION: Record<'quick' | 'table', EvaluationSettings> = {
  quick: { samples: 1000, trainLimit: 5000, testLimit: 1000 },
  table: { samples: 5000, trainLimit: 10000, testLimit: 2000 },
};

/**
 * `bigan ablate`: BigBiGAN's ablations at MNIST scale, each row trained once per seed (finished runs are reused)
 * and scored; `--engine slurm` submits them as a job array instead, `--collect` tables what has finished.
 */
export async function ablateCommand(flags: {
  rows?: string;
  budget?: string;
  epochs?: string;
  seeds?: string;
  seedIndex?: string;
  retrain: boolean;
  json: boolean;
  results?: string;
  collect: boolean;
  engine?: string;
  partition?: string;
  gres?: string;
  time?: string;
  dryRun: boolean;
}): Promise<number> {
  const budget = choiceFlag('budget', flags.budget, BUDGETS, 'quick');
  const rows = flags.rows ? flags.rows.split(',').map((r) => r.trim()) : ABLATION_NAMES;
  for (const row of rows)
    if (!ABLATION_NAMES.includes(row))
      throw new Error(`--rows: unknown row '${row}' (known: ${ABLATION_NAMES.join(', ')})`);
  const seeds = integerFlag('seeds', flags.seeds, { min: 1, max: 100 }) ?? 1;
  const seedIndex = integerFlag('seed-index', flags.seedIndex, { max: 99 });
  const epochs = integerFlag('epochs', flags.epochs, { min: 1 });
  const slurm = { partition: flags.partition, gres: flags.gres, time: flags.time, dryRun: flags.dryRun };
  const engine = engineFlag(flags.engine, slurm);
  if (flags.results) resultsFile(flags.results); // a bad name fails now, not after the training
  const options = {
    base: BIGBIGAN_BASE[budget],
    seeds,
    ...(seedIndex !== undefined && { seedIndices: [seedIndex] }),
    overrides: epochs ? { epochs } : {},
    evaluation: EVALUATION[budget],
    retrain: flags.retrain,
    progress: flags.json ? undefined : consoleProgress(),
  };
  if (engine === 'slurm') {
    if (flags.collect || flags.results || seedIndex !== undefined) {
      throw new Error(
        '--engine slurm submits the sweep; table it with --collect (and --results) once the tasks are done',
      );
    }
    const tasks = rows.flatMap((row) => Array.from({ length: seeds }, (_, s) => ({ row, seed: s })));
    const common = [
      '--budget',
      budget,
      ...(epochs ? ['--epochs', String(epochs)] : []),
      ...(flags.retrain ? ['--retrain'] : []),
    ];
    submit(`ablate-${budget}`, arrayJobScript(tasks, common, slurm), slurm);
    return 0;
  }
  await initBackend();
  const started = performance.now();
  let results;
  if (flags.collect) {
    const collected = collectAblations(rows, options);
    results = collected.results;
    for (const m of collected.missing) console.error(`missing: ${m.row} seed ${m.seedIndex} (${m.reason}): ${m.dir}`);
    if (flags.results && collected.missing.length > 0) {
      throw new Error(
        `${collected.missing.length} of the sweep's runs are missing: no table written to ${resultsFile(flags.results)}`,
      );
    }
  } else {
    results = await runAblations(rows, options);
  }
  const summary = summarizeAblations(results);
  printTable(summary, seeds, flags.json);
  if (flags.results) {
    const table: AblationTable = {
      name: flags.results,
      budget,
      epochs: epochs ?? BIGBIGAN_BASE[budget].epochs,
      seeds,
      evaluation: EVALUATION[budget],
      base: BIGBIGAN_BASE[budget],
      summary,
      runs: results.map(({ runDir: _, ...r }) => r),
      seconds: (performance.now() - started) / 1000,
      recordedAt: new Date().toISOString(),
    };
    const file = writeResults(flags.results, table);
    if (!flags.json) console.log(`results written to ${file}`);
  }
  return 0;
}

function printTable(summary: AblationSummary[], seeds: number, json: boolean): void {
  const fmt = (m: Record<string, number>, s: Record<string, number>, k: string, scale = 1, digits = 2) =>
    `${(m[k] * scale).toFixed(digits)}${seeds > 1 ? ` ± ${(s[k] * scale).toFixed(digits)}` : ''}`;
  if (json) {
    for (const r of summary) console.log(JSON.stringify(r));
    return;
  }
  console.log(
    `${'row'.padEnd(18)} ${'IS'.padStart(14)} ${'FID'.padStart(14)} ${'1NN E(x) %'.padStart(14)} ${'probe %'.padStart(14)}`,
  );
  for (const r of summary) {
    const cells = [
      fmt(r.mean, r.std, 'inceptionScore'),
      fmt(r.mean, r.std, 'frechetDistance'),
      fmt(r.mean, r.std, 'knnLatent', 100),
      fmt(r.mean, r.std, 'linearProbe', 100),
    ];
    console.log(`${r.row.padEnd(18)} ${cells.map((c) => c.padStart(14)).join(' ')}`);
  }
}

/**
 * A Slurm job array with one task per row and seed. Each task runs this checkout's `bigan ablate` for its row and
 * seed index into the shared runs folder, where runs are keyed by their config, so tasks never share a folder
 * (and each run folder has its lock besides). `--collect` then reads their scores.
 */
function arrayJobScript(tasks: { row: string; seed: number }[], common: string[], slurm: SlurmOptions): string {
  return [
    sbatchHeader('bigan-ablate', slurm, [
      `--array=0-${tasks.length - 1}`,
      `--output=${path.join(runsDir(), 'slurm', 'ablate-%A_%a.out')}`,
    ]),
    `rows=(${tasks.map((t) => shellWord(t.row)).join(' ')})`,
    `seeds=(${tasks.map((t) => t.seed).join(' ')})`,
    `exec ${biganCommand(['ablate', ...common])} --rows "\${rows[$SLURM_ARRAY_TASK_ID]}" --seed-index "\${seeds[$SLURM_ARRAY_TASK_ID]}"`,
  ].join('\n');
}
