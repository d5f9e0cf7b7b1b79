import jstat from 'jstat';
import type { AblationMetrics } from './ablations.js';

const { jStat } = jstat;

/** The metrics of an ablation table, each row-seed's and their statistics. */
export const TABLE_METRICS = [
  'inceptionScore',
  'frechetDistance',
  'frechetDistancePenultimate',
  'knnLatent',
  'linearProbe',
  'reconstructionAgreement',
] as const;
export type TableMetric = (typeof TABLE_METRICS)[number];
/** FID (on the classifier's logits, or on its penultimate layer) is a distance; every other metric is better higher. */
export const LOWER_IS_BETTER: ReadonlySet<TableMetric> = new Set(['frechetDistance', 'frechetDistancePenultimate']);

/** One row of an ablation table: its seeds' metrics, and each metric's mean and 95% confidence half-width. */
export interface TableRow {
  name: string;
  /**
   * Each seed's metrics. FID is there twice: as `frechetDistance`, the metric's name in this library, and as `fid`,
   * the name the committed table's format gives it (data/results/bigbigan-table.json).
   */
  seeds: ({ seed: number; fid?: number } & Partial<Record<TableMetric, number>>)[];
  mean: Partial<Record<TableMetric, number>>;
  /** Half-width of the 95% confidence interval of the mean (Student's t); null with fewer than two seeds. */
  ci95: Partial<Record<TableMetric, number | null>>;
}

/** Mean and the half-width of its 95% confidence interval (Student's t on n - 1 degrees of freedom). */
export function meanCi95(values: number[]): { mean: number; ci95: number | null } {
  const n = values.length;
  if (n === 0) throw new Error('meanCi95: no values');
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, ci95: null };
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { mean, ci95: jStat.studentt.inv(0.975, n - 1) * (sd / Math.sqrt(n)) };
}

/**
 * Welch's two-sample t-test of mean(a) - mean(b) = delta (0 unless given), two-sided: the statistic, the
 * Welch-Satterthwaite degrees of freedom and the p-value. Null when a side has fewer than two values, or neither
 * side varies.
 */
export function welchTTest(a: number[], b: number[], delta = 0): { t: number; df: number; pValue: number } | null {
  if (a.length < 2 || b.length < 2) return null;
  const stats = (x: number[]) => {
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    return { mean, se2: x.reduce((s, v) => s + (v - mean) ** 2, 0) / (x.length - 1) / x.length, n: x.length };
  };
  const [sa, sb] = [stats(a), stats(b)];
  const se2 = sa.se2 + sb.se2;
  if (se2 === 0) return null;
  const t = (sa.mean - sb.mean - delta) / Math.sqrt(se2);
  const df = se2 ** 2 / (sa.se2 ** 2 / (sa.n - 1) + sb.se2 ** 2 / (sb.n - 1));
  return { t, df, pValue: 2 * jStat.studentt.cdf(-Math.abs(t), df) };
}

/** The rows of a table from its row-seeds' metrics, in the order rows first appear. */
export function tableRows(results: AblationMetrics[]): TableRow[] {
  const names = [...new Set(results.map((r) => r.row))];
  return names.map((name) => {
    const runs = results.filter((r) => r.row === name);
    const row: TableRow = { name, seeds: [], mean: {}, ci95: {} };
    for (const run of runs) {
      const seed: TableRow['seeds'][number] = { seed: run.seed };
      for (const m of TABLE_METRICS) if (run[m] !== undefined) seed[m] = run[m];
      if (seed.frechetDistance !== undefined) seed.fid = seed.frechetDistance;
      row.seeds.push(seed);
    }
    for (const m of TABLE_METRICS) {
      const values = metricValues(row, m);
      if (values.length < runs.length || values.length === 0) continue;
      ({ mean: row.mean[m], ci95: row.ci95[m] } = meanCi95(values));
    }
    return row;
  });
}

function metricValues(row: TableRow, metric: TableMetric): number[] {
  return row.seeds.map((s) => s[metric]).filter((v): v is number => v !== undefined);
}

/**
 * A claim of the paper as one comparison: `better` beats `worse` on `metric`; or, with a `margin`, a claim that
 * something "does not hurt": `better` is not worse than `worse` by more than the margin (non-inferiority).
 */
export interface Claim {
  claim: string;
  better: string;
  worse: string;
  metric: TableMetric;
  /** In the metric's units. A superiority test could only ever call "no harm" inconclusive. */
  margin?: number;
}

/**
 * The non-inferiority margins, set to about twice Base's seed-to-seed standard deviation at the table's budget
 * (0.44 points of 1NN and 0.92 FID over its five seeds): a loss smaller than two seeds' usual spread is no harm.
 */
export const NON_INFERIORITY_MARGIN: Partial<Record<TableMetric, number>> = { knnLatent: 0.01, frechetDistance: 2 };

/**
 * BigBiGAN's claims (Donahue and Simonyan 2019, Table 1 and its discussion), each as the comparison of two rows
 * that it implies at MNIST scale. Representation is read on 1NN of E(x), generation on FID.
 */
export const PAPER_CLAIMS: Claim[] = [
  {
    claim: '0. (control) a trained E beats an untrained one',
    better: 'base',
    worse: 'random-encoder',
    metric: 'knnLatent',
  },
  {
    claim: '1. a stochastic E gives a better representation',
    better: 'base',
    worse: 'deterministic-e',
    metric: 'knnLatent',
  },
  {
    claim: '2. s_x improves generation (both unaries vs none)',
    better: 'base',
    worse: 'no-unaries',
    metric: 'frechetDistance',
  },
  {
    claim: '2. s_x improves generation (s_x only vs s_z only)',
    better: 'x-unary-only',
    worse: 'z-unary-only',
    metric: 'frechetDistance',
  },
  {
    claim: '3. removing s_z does not hurt the representation',
    better: 'x-unary-only',
    worse: 'base',
    metric: 'knnLatent',
    margin: NON_INFERIORITY_MARGIN.knnLatent,
  },
  {
    claim: '3. keeping only s_z hurts the representation',
    better: 'base',
    worse: 'z-unary-only',
    metric: 'knnLatent',
  },
  {
    claim: '4. a smaller G gives a worse representation',
    better: 'base',
    worse: 'small-g',
    metric: 'knnLatent',
  },
  {
    claim: '4. a smaller G gives worse generation',
    better: 'base',
    worse: 'small-g',
    metric: 'frechetDistance',
  },
  {
    claim: '5. a 10x E learning rate improves the representation',
    better: 'encoder-lr-x10',
    worse: 'base',
    metric: 'knnLatent',
  },
  {
    claim: '6. a high-resolution E improves the representation',
    better: 'high-res-encoder',
    worse: 'base',
    metric: 'knnLatent',
  },
  {
    claim: '7. bidirection does not hurt generation (vs a GAN)',
    better: 'base',
    worse: 'no-encoder',
    metric: 'frechetDistance',
    margin: NON_INFERIORITY_MARGIN.frechetDistance,
  },
];

export type Verdict = 'held' | 'contradicted' | 'inconclusive' | 'untested';

export interface ClaimResult {
  claim: string;
  /**
   * The comparison tested, in words: "base better than deterministic-e on knnLatent (higher)", or for a
   * non-inferiority claim "x-unary-only not worse than base by more than 0.01 on knnLatent (higher)".
   */
  comparison: string;
  /** mean(better) - mean(worse), signed so that positive is the claim's direction. */
  difference: number | null;
  /**
   * Superiority: Welch's two-sided p. Non-inferiority: the one-sided p of Welch's test against the margin, on
   * the side the data fall (no harm beyond the margin if the difference is above -margin, harm beyond it if below).
   */
  pValue: number | null;
  /** held: p < alpha in the claim's direction; contradicted: p < alpha against it; untested: a row or seed short. */
  verdict: Verdict;
}

/** Each claim's verdict from Welch's t-test on the seeds of its two rows. */
export function testClaims(rows: TableRow[], claims: Claim[] = PAPER_CLAIMS, alpha = 0.05): ClaimResult[] {
  return claims.map(({ claim, better, worse, metric, margin }) => {
    const sign = LOWER_IS_BETTER.has(metric) ? -1 : 1;
    const direction = `${metric} (${sign > 0 ? 'higher' : 'lower'})`;
    const comparison =
      margin === undefined
        ? `${better} better than ${worse} on ${direction}`
        : `${better} not worse than ${worse} by more than ${margin} on ${direction}`;
    const [a, b] = [better, worse].map((name) => rows.find((r) => r.name === name));
    // H0 of a non-inferiority test: `better` is worse by exactly the margin, mean(a) - mean(b) = -sign * margin.
    const delta = margin === undefined ? 0 : -sign * margin;
    const test = a && b ? welchTTest(metricValues(a, metric), metricValues(b, metric), delta) : null;
    if (!a || !b || !test) return { claim, comparison, difference: null, pValue: null, verdict: 'untested' };
    const difference = sign * (a.mean[metric]! - b.mean[metric]!);
    if (margin === undefined) {
      const verdict: Verdict = test.pValue >= alpha ? 'inconclusive' : difference > 0 ? 'held' : 'contradicted';
      return { claim, comparison, difference, pValue: test.pValue, verdict };
    }
    const pValue = test.pValue / 2;
    const verdict: Verdict = pValue >= alpha ? 'inconclusive' : difference > -margin ? 'held' : 'contradicted';
    return { claim, comparison, difference, pValue, verdict };
  });
}
