import type { ClaimResult, TableMetric, TableRow } from '../experiments/statistics.js';
import { LOWER_IS_BETTER } from '../experiments/statistics.js';
import { barChartFigure, tableFigure } from './charts.js';
import type { Figure } from './figure.js';

/** How each table metric is named and shown: percentages for shares, two decimals for IS, one for FID. */
const METRICS: Record<TableMetric, { label: string; scale: number; digits: number }> = {
  inceptionScore: { label: 'IS', scale: 1, digits: 2 },
  frechetDistance: { label: 'FID', scale: 1, digits: 1 },
  knnLatent: { label: '1NN E(x) %', scale: 100, digits: 1 },
  linearProbe: { label: 'probe %', scale: 100, digits: 1 },
  reconstructionAgreement: { label: 'agreement %', scale: 100, digits: 1 },
};

/** The metrics that every row of `rows` has a mean of. */
export function tableMetrics(rows: TableRow[]): TableMetric[] {
  return (Object.keys(METRICS) as TableMetric[]).filter((m) => rows.every((r) => r.mean[m] !== undefined));
}

/** The column title of a metric. */
export function metricLabel(metric: TableMetric): string {
  return METRICS[metric].label;
}

/** A row's mean of `metric` ± its 95% interval (the mean alone with one seed), as the tables show it. */
export function metricCell(row: TableRow, metric: TableMetric): string {
  const { scale, digits } = METRICS[metric];
  const ci = row.ci95[metric];
  return `${(row.mean[metric]! * scale).toFixed(digits)}${ci == null ? '' : ` ± ${(ci * scale).toFixed(digits)}`}`;
}

/** One line per row: its seed count and each metric's mean ± 95% interval. */
export function ablationRowsFigure(rows: TableRow[], title: string): Figure {
  const metrics = tableMetrics(rows);
  return tableFigure(
    ['row', 'seeds', ...metrics.map(metricLabel)],
    rows.map((r) => [r.name, r.seeds.length, ...metrics.map((m) => metricCell(r, m))]),
    { title },
  );
}

/** One metric per row as bars with 95% confidence whiskers. */
export function ablationMetricFigure(rows: TableRow[], metric: TableMetric, title?: string): Figure {
  const { label, scale } = METRICS[metric];
  return barChartFigure(
    rows.map((r) => r.name),
    [
      {
        name: label,
        values: rows.map((r) => r.mean[metric]! * scale),
        errors: rows.map((r) => (r.ci95[metric] ?? 0) * scale),
      },
    ],
    {
      title:
        title ?? `${label} per row, mean and 95% interval${LOWER_IS_BETTER.has(metric) ? ' (lower is better)' : ''}`,
      yTitle: label,
    },
  );
}

/** The paper's claims, each with its comparison, the difference in its direction, Welch's p and the verdict. */
export function claimsFigure(claims: ClaimResult[], title = "the paper's claims, Welch's t-test over seeds"): Figure {
  return tableFigure(
    ['claim', 'comparison', 'difference', 'p', 'verdict'],
    claims.map((c) => [
      c.claim,
      c.comparison,
      c.difference === null ? '-' : c.difference.toPrecision(3),
      c.pValue === null ? '-' : c.pValue.toFixed(3),
      c.verdict,
    ]),
    { title },
  );
}
