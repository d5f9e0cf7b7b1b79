import { baseLayout, CLASS_COLOURS, type Figure } from './figure.js';

export interface ClassScatterOptions {
  title?: string;
  width?: number;
  height?: number;
  markerSize?: number;
  /** Text for each class in the legend (default: the digit). */
  classNames?: string[];
}

/**
 * Points coloured by class with a legend, one trace per class: t-SNE maps and other 2-D embeddings. Hover shows
 * the point's index and label. Uses `scattergl`-free SVG markers so headless export draws every point.
 * @param points [N * 2] x, y interleaved
 */
export function classScatterFigure(
  points: ArrayLike<number>,
  labels: ArrayLike<number>,
  options: ClassScatterOptions = {},
): Figure {
  const n = labels.length;
  if (points.length !== 2 * n)
    throw new Error(`classScatterFigure: ${points.length} coordinates for ${n} labels (need 2 per point)`);
  const classes = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  const data = classes.map((cls) => {
    const x: number[] = [];
    const y: number[] = [];
    const index: number[] = [];
    for (let i = 0; i < n; i++) {
      if (labels[i] !== cls) continue;
      x.push(points[2 * i]);
      y.push(points[2 * i + 1]);
      index.push(i);
    }
    const name = options.classNames?.[cls] ?? String(cls);
    return {
      type: 'scatter',
      mode: 'markers',
      name,
      x,
      y,
      customdata: index,
      marker: { size: options.markerSize ?? 3, color: CLASS_COLOURS[cls % CLASS_COLOURS.length] },
      hovertemplate: `index %{customdata}<br>label ${name}<extra></extra>`,
    };
  });
  return {
    data,
    layout: {
      ...baseLayout(options.title ?? '', options.width ?? 640, options.height ?? 560),
      xaxis: { showticklabels: false, zeroline: false, showgrid: false },
      yaxis: { showticklabels: false, zeroline: false, showgrid: false, scaleanchor: 'x' },
      legend: { itemsizing: 'constant' },
    },
  };
}

export interface Series {
  name: string;
  x: number[];
  y: number[];
}

/** Line chart of one or more series: training losses per epoch, accuracy over epochs. */
export function lineChartFigure(
  series: Series[],
  options: { title?: string; xTitle?: string; yTitle?: string; width?: number; height?: number } = {},
): Figure {
  return {
    data: series.map((s) => ({ type: 'scatter', mode: 'lines', name: s.name, x: s.x, y: s.y })),
    layout: {
      ...baseLayout(options.title ?? '', options.width ?? 720, options.height ?? 420),
      xaxis: { title: { text: options.xTitle ?? '' }, gridcolor: '#eee' },
      yaxis: { title: { text: options.yTitle ?? '' }, gridcolor: '#eee' },
    },
  };
}

/** Grouped bars: one group per category (an ablation row), one bar per metric, optional error bars. */
export function barChartFigure(
  categories: string[],
  bars: { name: string; values: number[]; errors?: number[] }[],
  options: { title?: string; yTitle?: string; width?: number; height?: number } = {},
): Figure {
  const layout = baseLayout(options.title ?? '', options.width ?? 720, options.height ?? 460);
  return {
    data: bars.map((b) => ({
      type: 'bar',
      name: b.name,
      x: categories,
      y: b.values,
      ...(b.errors && { error_y: { type: 'data', array: b.errors, visible: true } }),
    })),
    layout: {
      ...layout,
      barmode: 'group',
      yaxis: { title: { text: options.yTitle ?? '' }, gridcolor: '#eee' },
      // Slanted category labels, ending at their bar, with room below for the longest: headless export cannot
      // measure text for plotly's automargin.
      xaxis: { tickangle: -35 },
      margin: {
        ...(layout.margin as object),
        b: 30 + Math.ceil(4.2 * Math.max(0, ...categories.map((c) => c.length))),
      },
    },
  };
}

/**
 * A table figure: a header row and columns of cells (numbers are shown as given; format them first). Columns are
 * as wide as their longest text, so no cell wraps; the figure is as tall as its rows.
 */
export function tableFigure(
  header: string[],
  rows: (string | number)[][],
  options: { title?: string; width?: number; height?: number } = {},
): Figure {
  const columns = header.map((_, c) => rows.map((r) => r[c]));
  // A few characters of slack per column: the header's larger font, and padding.
  const characters = header.map((h, c) => Math.max(h.length, ...columns[c].map((v) => String(v).length)) + 4);
  const width =
    options.width ?? Math.max(480, Math.round(characters.reduce((a, b) => a + b, 0) * 7.6 + 40 + 16 * header.length));
  const top = options.title ? 50 : 10;
  return {
    data: [
      {
        type: 'table',
        columnwidth: characters,
        header: { values: header, align: 'left', fill: { color: '#e8e8e8' }, font: { size: 13 }, height: 28 },
        cells: { values: columns, align: 'left', font: { size: 12 }, height: 26 },
      },
    ],
    layout: {
      ...baseLayout(options.title ?? '', width, options.height ?? top + 20 + 28 + 26 * rows.length),
      margin: { l: 10, r: 10, t: top, b: 10 },
    },
  };
}

export interface MapPanel {
  title: string;
  /** [N * 2] x, y interleaved. */
  points: ArrayLike<number>;
  labels: ArrayLike<number>;
}

/**
 * Several class-coloured maps side by side (t-SNE of raw pixels and of each encoder), one legend for all: each
 * panel is a subplot with its own axes, the digits coloured alike across panels.
 */
/** The width figures are made to fit by default: a notebook's output area, less a little. */
export const OUTPUT_WIDTH = 940;

export function mapGridFigure(
  panels: MapPanel[],
  options: { title?: string; columns?: number; panelSize?: number; markerSize?: number } = {},
): Figure {
  const columns = Math.min(options.columns ?? 3, panels.length);
  const rows = Math.ceil(panels.length / columns);
  // Panels shrink so that the grid fits a notebook's output area (about 960 px wide) instead of being cut off.
  const size = options.panelSize ?? Math.min(320, Math.floor((OUTPUT_WIDTH - 120) / columns));
  const data: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = {
    ...baseLayout(options.title ?? '', columns * size + 120, rows * (size + 30) + 80),
    margin: { l: 60, r: 30, t: 80, b: 50 },
    grid: { rows, columns, pattern: 'independent', xgap: 0.06, ygap: 0.12 },
    legend: { itemsizing: 'constant' },
    annotations: [] as Record<string, unknown>[],
  };
  panels.forEach((panel, p) => {
    const axis = p === 0 ? '' : String(p + 1);
    const single = classScatterFigure(panel.points, panel.labels, { markerSize: options.markerSize ?? 2 });
    for (const trace of single.data) {
      data.push({ ...trace, xaxis: `x${axis}`, yaxis: `y${axis}`, legendgroup: trace.name, showlegend: p === 0 });
    }
    layout[`xaxis${axis}`] = { showticklabels: false, zeroline: false, showgrid: false };
    layout[`yaxis${axis}`] = { showticklabels: false, zeroline: false, showgrid: false };
    (layout.annotations as Record<string, unknown>[]).push({
      text: panel.title,
      xref: `x${axis} domain`,
      yref: `y${axis} domain`,
      x: 0.5,
      y: 1.02,
      xanchor: 'center',
      yanchor: 'bottom',
      showarrow: false,
    });
  });
  return { data, layout };
}
