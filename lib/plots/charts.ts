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

/** The width figures are made to fit by default: a notebook's output area, less a little. */
export const OUTPUT_WIDTH = 940;

/** Pixels a character of 12-px Open Sans (plotly's annotation font) may take: wide enough for capitals and digits. */
const TITLE_CHAR_WIDTH = 7.4;
const TITLE_LINE_HEIGHT = 17;

/** `text` broken at spaces into lines of at most `maxChars` characters (a longer word is cut). */
export function wrapTitle(text: string, maxChars: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const candidate = line ? `${line} ${word}` : word;
    if (candidate.length <= maxChars) line = candidate;
    else {
      if (line) lines.push(line);
      let rest = word;
      while (rest.length > maxChars) {
        lines.push(rest.slice(0, maxChars));
        rest = rest.slice(maxChars);
      }
      line = rest;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * Several class-coloured maps side by side (t-SNE of raw pixels and of each encoder), one legend for all: each
 * panel is a subplot with its own axes, the digits coloured alike across panels. Each panel's title wraps to the
 * panel's width, and each row of panels leaves room above it for its longest title, so no two titles overlap and
 * none leaves the figure, whatever their length and the panel count.
 */
export function mapGridFigure(
  panels: MapPanel[],
  options: { title?: string; columns?: number; panelSize?: number; markerSize?: number } = {},
): Figure {
  const columns = Math.min(options.columns ?? 3, panels.length);
  const rows = Math.ceil(panels.length / columns);
  // Panels shrink so that the grid fits a notebook's output area (about 960 px wide) instead of being cut off.
  const gap = 24;
  const size = options.panelSize ?? Math.min(320, Math.floor((OUTPUT_WIDTH - 140 - gap * (columns - 1)) / columns));
  const titles = panels.map((p) => wrapTitle(p.title, Math.floor(size / TITLE_CHAR_WIDTH)));
  // Room above each row for its tallest title.
  const titleSpace = Array.from(
    { length: rows },
    (_, r) => 8 + TITLE_LINE_HEIGHT * Math.max(...titles.slice(r * columns, (r + 1) * columns).map((t) => t.length)),
  );
  const margin = { l: 20, r: 120, t: options.title ? 50 : 10, b: 20 };
  const plotWidth = columns * size + gap * (columns - 1);
  const plotHeight = titleSpace.reduce((a, b) => a + b, 0) + rows * size + gap * (rows - 1);
  const data: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = {
    ...baseLayout(options.title ?? '', plotWidth + margin.l + margin.r, plotHeight + margin.t + margin.b),
    margin,
    legend: { itemsizing: 'constant', x: 1.02, xanchor: 'left', y: 1 },
    annotations: [] as Record<string, unknown>[],
  };
  let top = 0;
  const rowTops = titleSpace.map((space, r) => {
    const panelTop = top + space;
    top = panelTop + size + (r < rows - 1 ? gap : 0);
    return panelTop;
  });
  panels.forEach((panel, p) => {
    const axis = p === 0 ? '' : String(p + 1);
    const [r, c] = [Math.floor(p / columns), p % columns];
    const x0 = (c * (size + gap)) / plotWidth;
    const y1 = 1 - rowTops[r] / plotHeight;
    const single = classScatterFigure(panel.points, panel.labels, { markerSize: options.markerSize ?? 2 });
    for (const trace of single.data) {
      data.push({ ...trace, xaxis: `x${axis}`, yaxis: `y${axis}`, legendgroup: trace.name, showlegend: p === 0 });
    }
    const hidden = { showticklabels: false, zeroline: false, showgrid: false };
    layout[`xaxis${axis}`] = { ...hidden, domain: [x0, x0 + size / plotWidth], anchor: `y${axis}` };
    layout[`yaxis${axis}`] = { ...hidden, domain: [y1 - size / plotHeight, y1], anchor: `x${axis}` };
    (layout.annotations as Record<string, unknown>[]).push({
      text: titles[p].join('<br>'),
      xref: 'paper',
      yref: 'paper',
      x: x0 + size / plotWidth / 2,
      y: y1 + 4 / plotHeight,
      xanchor: 'center',
      yanchor: 'bottom',
      font: { size: 12 },
      showarrow: false,
    });
  });
  return { data, layout };
}
