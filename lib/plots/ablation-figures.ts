import type { ClaimResult, TableMetric, TableRow } from '../experiments/statistics.js';
import { LOWER_IS_BETTER } from '../experiments/statistics.js';
import { METRIC_FORMATS, metricCell, metricLabel, tableMetrics } from '../experiments/table-cells.js';

import { barChartFigure, lineChartFigure, tableFigure } from './charts.js';
import type { CurveMetric, LabelledCurve } from '../experiments/learning-curve.js';
import type { ConfirmatoryClaim } from '../experiments/confirmatory.js';
import { baseLayout, type Figure } from './figure.js';

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

const VERDICT_COLOURS: Record<string, string> = {
  held: '#2ca02c',
  contradicted: '#d62728',
  inconclusive: '#7f7f7f',
  untested: '#c7c7c7',
};

/**
 * A forest plot of judged claims: each claim's effect (in the claim's direction, positive = as claimed) with its
 * 95% interval, coloured by its verdict (after Holm's correction), a line at zero, and for a non-inferiority claim
 * a mark at -margin. Claims on 1NN (in points) and on FID are drawn in panels of their own: their units differ.
 */
export function claimsForestFigure(
  claims: ConfirmatoryClaim[],
  title = 'confirmatory claims: effect and 95% interval',
): Figure {
  const panels = [
    { metrics: ['knnLatent', 'linearProbe', 'reconstructionAgreement'], scale: 100, unit: 'points' },
    { metrics: ['frechetDistance'], scale: 1, unit: 'FID' },
    { metrics: ['inceptionScore'], scale: 1, unit: 'IS' },
  ]
    .map((panel) => ({ ...panel, claims: claims.filter((c) => panel.metrics.includes(c.metric)) }))
    .filter((panel) => panel.claims.length > 0);
  const data: Record<string, unknown>[] = [];
  const shapes: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = baseLayout(title, 900, 120 + 34 * claims.length);
  let top = 1;
  const rowsTotal = panels.reduce((n, p) => n + p.claims.length, 0);
  panels.forEach((panel, i) => {
    const axis = i === 0 ? '' : String(i + 1);
    const height = panel.claims.length / rowsTotal - (panels.length > 1 ? 0.1 : 0);
    const domain = [Math.max(0, top - height), top];
    top -= height + 0.2;
    data.push(...claimMarkers(panel, axis, (verdict) => !data.some((d) => d.name === verdict)));
    const order = panel.claims.map(claimLabel).reverse();
    layout[`xaxis${axis}`] = {
      title: { text: `effect in the claim's direction (${panel.unit})` },
      zeroline: true,
      zerolinecolor: '#333',
      anchor: `y${axis}`,
    };
    layout[`yaxis${axis}`] = { domain, categoryorder: 'array', categoryarray: order, anchor: `x${axis}` };
    shapes.push(...marginMarks(panel, axis, order));
  });
  layout.shapes = shapes;
  if (shapes.length > 0)
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: 'non-inferiority margin',
      x: [null],
      y: [null],
      line: { color: '#ff7f0e', dash: 'dash', width: 2 },
    });
  // The labels' room from their length (about 7 px a character at 13 px): plotly's automargin cannot measure text
  // in the headless export.
  const longest = Math.max(...claims.map((c) => claimLabel(c).length));
  layout.margin = { l: Math.min(520, 20 + 7 * longest), r: 30, t: 60, b: 50 };
  return { data, layout };
}

/** A forest plot's panel: the claims on metrics of one unit, and the factor from the metric to that unit. */
interface ForestPanel {
  claims: ConfirmatoryClaim[];
  scale: number;
  unit: string;
}

/** "1. a stochastic E ...", or the claim alone where its text already opens with its id ("(control) ..."). */
const claimLabel = (c: ConfirmatoryClaim) => (c.claim.startsWith(`(${c.id})`) ? c.claim : `${c.id}. ${c.claim}`);

/** A panel's claims as markers with their intervals, one trace per verdict (legend entries only for `firstOf`). */
function claimMarkers(
  panel: ForestPanel,
  axis: string,
  firstOf: (verdict: string) => boolean,
): Record<string, unknown>[] {
  const traces: Record<string, unknown>[] = [];
  for (const verdict of Object.keys(VERDICT_COLOURS)) {
    const chosen = panel.claims.filter((c) => c.verdict === verdict && c.effect !== null);
    if (chosen.length === 0) continue;
    traces.push({
      type: 'scatter',
      mode: 'markers',
      name: verdict,
      legendgroup: verdict,
      showlegend: firstOf(verdict),
      x: chosen.map((c) => c.effect! * panel.scale),
      y: chosen.map(claimLabel),
      error_x: {
        type: 'data',
        symmetric: false,
        array: chosen.map((c) => (c.ci95![1] - c.effect!) * panel.scale),
        arrayminus: chosen.map((c) => (c.effect! - c.ci95![0]) * panel.scale),
      },
      marker: { color: VERDICT_COLOURS[verdict], size: 10 },
      xaxis: `x${axis}`,
      yaxis: `y${axis}`,
    });
  }
  return traces;
}

/**
 * A dashed mark at -margin on each non-inferiority claim's row. A categorical axis places category k at k (`order`
 * bottom to top), so the mark spans its claim's row only.
 */
function marginMarks(panel: ForestPanel, axis: string, order: string[]): Record<string, unknown>[] {
  return panel.claims
    .filter((c) => c.margin !== null)
    .map((c) => {
      const row = order.indexOf(claimLabel(c));
      return {
        type: 'line',
        xref: `x${axis}`,
        yref: `y${axis}`,
        x0: -c.margin! * panel.scale,
        x1: -c.margin! * panel.scale,
        y0: row - 0.4,
        y1: row + 0.4,
        line: { color: '#ff7f0e', dash: 'dash', width: 2 },
      };
    });
}
