import type { TableMetric, TableRow } from './statistics.js';

/** How each table metric is named and shown: percentages for shares, two decimals for IS, one for FID. */
export const METRIC_FORMATS: Record<TableMetric, { label: string; scale: number; digits: number }> = {
  inceptionScore: { label: 'IS', scale: 1, digits: 2 },
  frechetDistance: { label: 'FID', scale: 1, digits: 1 },
  knnLatent: { label: '1NN E(x) %', scale: 100, digits: 1 },
  linearProbe: { label: 'probe %', scale: 100, digits: 1 },
  reconstructionAgreement: { label: 'agreement %', scale: 100, digits: 1 },
};

/** The metrics that some row of `rows` has a mean of (a row without an encoder has no representation scores). */
export function tableMetrics(rows: TableRow[]): TableMetric[] {
  return (Object.keys(METRIC_FORMATS) as TableMetric[]).filter((m) => rows.some((r) => r.mean[m] !== undefined));
}

/** The column title of a metric. */
export function metricLabel(metric: TableMetric): string {
  return METRIC_FORMATS[metric].label;
}

/**
 * A row's mean of `metric` ± its 95% interval (the mean alone with one seed), as the tables show it; a dash where
 * the row has no such score.
 */
export function metricCell(row: TableRow, metric: TableMetric): string {
  const { scale, digits } = METRIC_FORMATS[metric];
  if (row.mean[metric] === undefined) return '–';
  const ci = row.ci95[metric];
  return `${(row.mean[metric]! * scale).toFixed(digits)}${ci == null ? '' : ` ± ${(ci * scale).toFixed(digits)}`}`;
}
