import type { AblationMetrics } from './ablations.js';

/** One row of an ablation table: each metric's mean and sample standard deviation over the row's seeds. */
export interface AblationSummary {
  row: string;
  seeds: number;
  mean: Record<string, number>;
  std: Record<string, number>;
}

/** Mean and standard deviation per row and metric, over seeds. */
export function summarizeAblations(results: AblationMetrics[]): AblationSummary[] {
  const metrics = ['inceptionScore', 'frechetDistance', 'knnLatent', 'linearProbe'] as const;
  const rows = [...new Set(results.map((r) => r.row))];
  return rows.map((row) => {
    const runs = results.filter((r) => r.row === row);
    const mean: Record<string, number> = {};
    const std: Record<string, number> = {};
    for (const m of metrics) {
      const values = runs.map((r) => r[m]);
      mean[m] = values.reduce((a, b) => a + b, 0) / values.length;
      std[m] =
        values.length > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean[m]) ** 2, 0) / (values.length - 1)) : 0;
    }
    return { row, seeds: runs.length, mean, std };
  });
}
