import type { ClaimResult, TableMetric, TableRow } from '../experiments/statistics.js';
import { LOWER_IS_BETTER } from '../experiments/statistics.js';
import { METRIC_FORMATS, metricCell, metricLabel, tableMetrics } from '../experiments/table-cells.js';

import { barChartFigure, lineChartFigure, tableFigure } from './charts.js';
import type { CurveMetric, LabelledCurve } from '../experiments/learning-curve.js';
import type { Figure } from './figure.js';

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
export function ablationMetricFigure(allRows: TableRow[], metric: TableMetric, title?: string): Figure {
  const { label, scale } = METRIC_FORMATS[metric];
  const rows = allRows.filter((r) => r.mean[metric] !== undefined);
  const values = rows.map((r) => r.mean[metric]! * scale);
  const figure = barChartFigure(
    rows.map((r) => r.name),
    [
      {
        name: label,
        values,
        errors: rows.map((r) => (r.ci95[metric] ?? 0) * scale),
      },
    ],
    {
      title:
        title ?? `${label} per row, mean and 95% interval${LOWER_IS_BETTER.has(metric) ? ' (lower is better)' : ''}`,
      yTitle: label,
    },
  );
  // One row five times another's (high-res-encoder's FID of blocky 14x14 digits) would flatten every other bar.
  if (Math.min(...values) > 0 && Math.max(...values) > 5 * Math.min(...values)) {
    const layout = figure.layout as { yaxis: Record<string, unknown> };
    // Ticks at 1, 2 and 5 of each decade, written out: plotly's own log ticks label 20 as a small "2".
    const decades = Array.from({ length: 8 }, (_, k) => 10 ** (k - 2));
    const tickvals = decades.flatMap((d) => [d, 2 * d, 5 * d]);
    layout.yaxis = {
      ...layout.yaxis,
      type: 'log',
      tickvals,
      ticktext: tickvals.map((v) => String(Number(v.toPrecision(1)))),
    };
  }
  return figure;
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

/** One metric of learning curves against optimizer steps, a line per curve (Base's diagnosis, say). */
export function learningCurvesFigure(curves: LabelledCurve[], metric: CurveMetric, title?: string): Figure {
  const { label, scale } = METRIC_FORMATS[metric];
  const figure = lineChartFigure(
    curves.map((c) => ({
      name: c.label,
      x: c.points.map((p) => p.step),
      y: c.points.map((p) => p[metric] * scale),
    })),
    {
      title: title ?? `${label} while training${LOWER_IS_BETTER.has(metric) ? ' (lower is better)' : ''}`,
      xTitle: 'optimizer steps',
      yTitle: label,
      height: 440 + 22 * curves.length,
    },
  );
  // The labels are long settings: the legend goes under the plot, one line each, leaving it the full width.
  const layout = figure.layout as Record<string, unknown>;
  layout.legend = { orientation: 'v', x: 0, y: -0.2, yanchor: 'top' };
  layout.margin = { ...(layout.margin as object), b: 80 + 22 * curves.length };
  return figure;
}
