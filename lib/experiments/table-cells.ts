import type { ConfirmatoryClaim } from './confirmatory.js';
import type { TableMetric, TableRow } from './statistics.js';

/** How each table metric is named and shown: percentages for shares, two decimals for IS, one for FID. */
export const METRIC_FORMATS: Record<TableMetric, { label: string; scale: number; digits: number }> = {
  inceptionScore: { label: 'IS', scale: 1, digits: 2 },
  frechetDistance: { label: 'FID', scale: 1, digits: 1 },
  frechetDistancePenultimate: { label: 'FID penult.', scale: 1, digits: 1 },
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

/** The unit a claim's effect on `metric` is shown in: points for the shares, the metric itself otherwise. */
export function effectUnit(metric: TableMetric): string {
  return METRIC_FORMATS[metric].scale === 100 ? 'points' : METRIC_FORMATS[metric].label;
}

/**
 * A claim's mean paired difference and its 95% interval in {@link effectUnit}, signed to the claim's direction:
 * '+0.52 [-0.10, +1.14]'; a dash for a claim left untested.
 */
export function effectCell(claim: Pick<ConfirmatoryClaim, 'metric' | 'effect' | 'ci95'>): string {
  if (claim.effect === null) return '–';
  const { scale, digits } = METRIC_FORMATS[claim.metric];
  const signed = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v * scale).toFixed(digits + 1)}`;
  return `${signed(claim.effect)}${claim.ci95 ? ` [${signed(claim.ci95[0])}, ${signed(claim.ci95[1])}]` : ''}`;
}

/** A p-value as the reports print it: four decimals, and '<0.0001' below them. */
export function pCell(p: number | null): string {
  return p === null ? '–' : p < 1e-4 ? '<0.0001' : p.toFixed(4);
}

/** The columns of the confirmatory report, and each judged claim's cells under them. */
export const CLAIM_COLUMNS = [
  'claim',
  'comparison',
  'pairs',
  'effect [95% CI]',
  'unit',
  'p',
  'Holm p',
  'sign-flip p',
  'detectable',
  'verdict',
];

export function claimCells(c: ConfirmatoryClaim): string[] {
  const { scale, digits } = METRIC_FORMATS[c.metric];
  return [
    c.id,
    c.comparison,
    String(c.seeds.length),
    effectCell(c),
    effectUnit(c.metric),
    pCell(c.pValue),
    pCell(c.pHolm),
    pCell(c.signFlip?.pValue ?? null),
    c.detectable === null ? '–' : (c.detectable * scale).toFixed(digits + 1),
    c.verdict,
  ];
}

/** An ablation table as cells: each row's name, its seeds, and each metric's mean ± 95% interval. */
export function rowTable(rows: TableRow[]): { header: string[]; cells: string[][]; right: boolean[] } {
  const metrics = tableMetrics(rows);
  const header = ['row', 'seeds', ...metrics.map(metricLabel)];
  return {
    header,
    cells: rows.map((r) => [r.name, String(r.seeds.length), ...metrics.map((m) => metricCell(r, m))]),
    right: header.map((_, i) => i > 0),
  };
}
