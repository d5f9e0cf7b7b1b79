/**
 * A plotly.js figure as plain data: what `Plotly.newPlot(div, data, layout, config)` takes. Builders in this
 * folder return these; `show` renders them in a notebook and `exportFigure` writes them to files.
 */
export interface Figure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  config?: Record<string, unknown>;
}

/** Digit colours for class-coloured plots: matplotlib's tab10, the palette the reproduction's t-SNE maps use. */
export const CLASS_COLOURS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

export const DEFAULT_FONT = { family: 'DejaVu Sans, Arial, sans-serif', size: 13 };

export function baseLayout(title: string, width: number, height: number): Record<string, unknown> {
  return {
    title: { text: title },
    width,
    height,
    font: DEFAULT_FONT,
    paper_bgcolor: 'white',
    plot_bgcolor: 'white',
    margin: { l: 60, r: 30, t: 50, b: 50 },
  };
}
