import { initBackend } from '../backend/backend.js';
import { BIGBIGAN_BASE } from '../config/bigbigan-presets.js';
import { ABLATION_NAMES, runAblations, type EvaluationSettings } from '../experiments/ablations.js';
import { type AblationTable, resultsFile, writeResults } from '../experiments/results.js';
import { summarizeAblations } from '../experiments/statistics.js';
import { consoleProgress } from '../training/progress.js';
import { choiceFlag, integerFlag } from './flags.js';

const BUDGETS = ['quick', 'table'] as const;

const EVALUATION: Record<'quick' | 'table', EvaluationSettings> = {
  quick: { samples: 1000, trainLimit: 5000, testLimit: 1000 },
  table: { samples: 5000, trainLimit: 10000, testLimit: 2000 },
};

/**
 * `bigan ablate [--rows a,b,...] [--budget quick|table] [--epochs N] [--seeds K] [--retrain] [--json] [--results NAME]`:
 * BigBiGAN's ablations at MNIST scale, each row trained once per seed (finished runs are reused) and scored.
 */
export async function ablateCommand(flags: {
  rows?: string;
  budget?: string;
  epochs?: string;
  seeds?: string;
  retrain: boolean;
  json: boolean;
  results?: string;
}): Promise<number> {
  const budget = choiceFlag('budget', flags.budget, BUDGETS, 'quick');
  const rows = flags.rows ? flags.rows.split(',').map((r) => r.trim()) : ABLATION_NAMES;
  for (const row of rows)
    if (!ABLATION_NAMES.includes(row))
      throw new Error(`--rows: unknown row '${row}' (known: ${ABLATION_NAMES.join(', ')})`);
  const seeds = integerFlag('seeds', flags.seeds, { min: 1, max: 100 }) ?? 1;
  const epochs = integerFlag('epochs', flags.epochs, { min: 1 });
  if (flags.results) resultsFile(flags.results); // a bad name fails now, not after the training
  await initBackend();
  const started = performance.now();
  const results = await runAblations(rows, {
    base: BIGBIGAN_BASE[budget],
    seeds,
    overrides: epochs ? { epochs } : {},
    evaluation: EVALUATION[budget],
    retrain: flags.retrain,
    progress: flags.json ? undefined : consoleProgress(),
  });
  const summary = summarizeAblations(results);
  const fmt = (m: Record<string, number>, s: Record<string, number>, k: string, scale = 1, digits = 2) =>
    `${(m[k] * scale).toFixed(digits)}${seeds > 1 ? ` ± ${(s[k] * scale).toFixed(digits)}` : ''}`;
  if (flags.json) for (const r of summary) console.log(JSON.stringify(r));
  else {
    console.log(
      `${'row'.padEnd(18)} ${'IS'.padStart(14)} ${'FID'.padStart(14)} ${'1NN E(x) %'.padStart(14)} ${'probe %'.padStart(14)}`,
    );
    for (const r of summary) {
      console.log(
        `${r.row.padEnd(18)} ${fmt(r.mean, r.std, 'inceptionScore').padStart(14)} ${fmt(r.mean, r.std, 'frechetDistance').padStart(14)} ${fmt(r.mean, r.std, 'knnLatent', 100).padStart(14)} ${fmt(r.mean, r.std, 'linearProbe', 100).padStart(14)}`,
      );
    }
  }
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
