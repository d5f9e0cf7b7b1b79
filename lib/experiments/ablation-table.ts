import { BIGBIGAN_BASE } from '../config/bigbigan-presets.js';
import type { AblationMetrics, EvaluationSettings } from './ablations.js';
import type { AblationTable } from './results.js';
import { tableRows, testClaims } from './statistics.js';

/** The ablation sweep's two budgets: `quick` for tests and notebooks, `table` for the committed table. */
export const ABLATION_BUDGETS = ['quick', 'table'] as const;
export type AblationBudget = (typeof ABLATION_BUDGETS)[number];

/**
 * How each budget scores a row-seed. The table scores the representation on all 60,000 -> 10,000 digits, where
 * the quality bar for Base's 1NN is set (about a minute a row-seed, against some fifteen of training).
 */
export const ABLATION_EVALUATION: Record<AblationBudget, EvaluationSettings> = {
  quick: { samples: 1000, trainLimit: 5000, testLimit: 1000 },
  table: { samples: 5000, trainLimit: 0, testLimit: 0 },
};

/**
 * The exploratory ablation table of a sweep's scored row-seeds: each row's mean and 95% interval, each claim's
 * Welch test, and what every row-seed trained (the budget's Base, `epochs` when the sweep changed it).
 */
export function ablationTable(
  name: string,
  results: AblationMetrics[],
  sweep: { budget: AblationBudget; epochs?: number; seconds: number },
): AblationTable {
  const base = BIGBIGAN_BASE[sweep.budget];
  const trainCount = base.trainLimit > 0 ? Math.min(base.trainLimit, 60000) : 60000;
  const epochs = sweep.epochs ?? base.epochs;
  const rows = tableRows(results);
  return {
    name,
    budget: {
      name: sweep.budget,
      epochs,
      steps: epochs * Math.floor(trainCount / base.batchSize),
      batchSize: base.batchSize,
      minutesPerRowSeed: results.reduce((s, r) => s + r.trainingSeconds, 0) / results.length / 60,
    },
    evaluation: ABLATION_EVALUATION[sweep.budget],
    base,
    rows,
    claims: testClaims(rows),
    seconds: sweep.seconds,
    recordedAt: new Date().toISOString(),
  };
}
