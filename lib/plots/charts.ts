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
export function classScatterFigure(points: ArrayLike<number>, labels: ArrayLike<number>, options: ClassScatterOptions = {}): Figure {
  const n = labels.length;
  if (points.length !== 2 * n) throw new Error(`classScatterFigure: ${points.length} coordinates for ${n} labels (need 2 per point)`);
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
      type: 'scatter', mode: 'markers', name, x, y, customdata: index,
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
export function lineChartFigure(series: Series[], options: { title?: string; xTitle?: string; yTitle?: string; width?: number; height?: number } = {}): Figure {
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
export function barChartFigure(categories: string[], bars: { name: string; values: number[]; errors?: number[] }[], options: { title?: string; yTitle?: string; width?: number; height?: number } = {}): Figure {
  return {
    data: bars.map((b) => ({
      type: 'bar', name: b.name, x: categories, y: b.values,
      ...(b.errors && { error_y: { type: 'data', array: b.errors, visible: true } }),
    })),
    layout: { ...baseLayout(options.title ?? '', options.width ?? 720, options.height ?? 420), barmode: 'group', yaxis: { title: { text: options.yTitle ?? '' }, gridcolor: '#eee' } },
  };
}

/** A table figure: a header row and columns of cells (numbers are shown as given; format them first). */
export function tableFigure(header: string[], rows: (string | number)[][], options: { title?: string; width?: number; height?: number } = {}): Figure {
  const columns = header.map((_, c) => rows.map((r) => r[c]));
  return {
    data: [{
      type: 'table',
      header: { values: header, align: 'left', fill: { color: '#e8e8e8' }, font: { size: 13 } },
      cells: { values: columns, align: 'left', font: { size: 12 }, height: 24 },
    }],
    layout: { ...baseLayout(options.title ?? '', options.width ?? 720, options.height ?? 80 + 26 * rows.length), margin: { l: 10, r: 10, t: options.title ? 40 : 10, b: 10 } },
  };
}
