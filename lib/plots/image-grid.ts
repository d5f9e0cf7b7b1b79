import { PNG } from 'pngjs';
import { IMAGE_SIZE } from '../data/mnist.js';
import { baseLayout, type Figure } from './figure.js';

export interface ImageRow {
  /** Shown left of the row: "G(z)", "x", "G(E(x))", a digit... */
  label: string;
  /** Each image 784 values in [0, 1] (values outside are clipped). */
  images: ArrayLike<number>[];
}

export interface ImageGridOptions {
  title?: string;
  /** Pixels per digit in the figure. */
  cellSize?: number;
  /** Pixels between digits. */
  gap?: number;
  /** Labels above the columns (optional). */
  columnLabels?: string[];
}

/** Renders the rows into one grey-scale PNG, white gaps between digits, dark strokes on white like the paper. */
export function imageGridPng(
  rows: ImageRow[],
  scale: number,
  gap: number,
): { png: Buffer; width: number; height: number } {
  const columns = Math.max(...rows.map((r) => r.images.length));
  const cell = IMAGE_SIZE * scale;
  const width = columns * cell + (columns - 1) * gap;
  const height = rows.length * cell + (rows.length - 1) * gap;
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8 });
  png.data.fill(255);
  rows.forEach((row, r) => {
    row.images.forEach((image, c) => {
      if (image.length !== IMAGE_SIZE * IMAGE_SIZE)
        throw new Error(
          `row '${row.label}' image ${c} has ${image.length} values, expected ${IMAGE_SIZE * IMAGE_SIZE}`,
        );
      const x0 = c * (cell + gap);
      const y0 = r * (cell + gap);
      for (let y = 0; y < cell; y++) {
        for (let x = 0; x < cell; x++) {
          const v = image[Math.floor(y / scale) * IMAGE_SIZE + Math.floor(x / scale)];
          const ink = Math.round(255 * (1 - Math.min(1, Math.max(0, v))));
          png.data[((y0 + y) * width + x0 + x) * 4 + 0] = ink;
          png.data[((y0 + y) * width + x0 + x) * 4 + 1] = ink;
          png.data[((y0 + y) * width + x0 + x) * 4 + 2] = ink;
          png.data[((y0 + y) * width + x0 + x) * 4 + 3] = 255;
        }
      }
    });
  });
  return { png: PNG.sync.write(png, { colorType: 0 }), width, height };
}

/**
 * A grid of 28x28 digits, one labelled row per group (samples G(z), data x, reconstructions G(E(x)), one digit
 * class per row...). The pixels go into the figure as one embedded PNG: plotly's own image traces need a
 * canvas, which headless export does not have, and an embedded PNG looks the same in a notebook and in an SVG.
 */
export function imageGridFigure(rows: ImageRow[], options: ImageGridOptions = {}): Figure {
  if (rows.length === 0) throw new Error('imageGridFigure needs at least one row');
  const { cellSize = 28, gap = 2, title = '' } = options;
  const scale = Math.max(1, Math.round(cellSize / IMAGE_SIZE));
  const { png, width, height } = imageGridPng(rows, scale, gap);
  const cell = IMAGE_SIZE * scale;
  const margin = {
    l: 20 + 8 * Math.max(...rows.map((r) => r.label.length)),
    r: 10,
    t: (title ? 40 : 10) + (options.columnLabels ? 20 : 0),
    b: 10,
  };
  const axis = { visible: false, fixedrange: true };
  return {
    data: [{ type: 'scatter', x: [], y: [], hoverinfo: 'skip', showlegend: false }],
    layout: {
      ...baseLayout(title, width + margin.l + margin.r, height + margin.t + margin.b),
      margin,
      xaxis: { ...axis, range: [0, width] },
      yaxis: { ...axis, range: [height, 0] },
      images: [
        {
          source: `data:image/png;base64,${png.toString('base64')}`,
          xref: 'x',
          yref: 'y',
          x: 0,
          y: 0,
          sizex: width,
          sizey: height,
          xanchor: 'left',
          yanchor: 'top',
          sizing: 'stretch',
          layer: 'below',
        },
      ],
      annotations: [
        ...rows.map((row, r) => ({
          text: row.label,
          xref: 'paper',
          yref: 'y',
          x: 0,
          y: r * (cell + 2) + cell / 2,
          xanchor: 'right',
          xshift: -6,
          showarrow: false,
        })),
        ...(options.columnLabels ?? []).map((label, c) => ({
          text: label,
          xref: 'x',
          yref: 'paper',
          x: c * (cell + gap) + cell / 2,
          y: 1,
          yanchor: 'bottom',
          showarrow: false,
        })),
      ],
    },
    config: { staticPlot: true },
  };
}
