import path from 'node:path';
import { figuresDir } from '../util/paths.js';
import { exportFigure, type FigureFormat, figureToSvg, svgToPng } from './export.js';
import type { Figure } from './figure.js';
import { show } from './show.js';

/**
 * Shows a figure inline and exports it as `<figures folder>/<name>.svg|.png|.html`, printing where it went:
 * the one call a notebook cell makes per figure.
 */
export async function showAndExport(figure: Figure, name: string, formats?: readonly FigureFormat[]): Promise<void> {
  const svg = await figureToSvg(figure);
  const png = svgToPng(svg);
  await show(figure, png);
  const files = await exportFigure(figure, path.join(figuresDir(), name), formats, { rendered: { svg, png } });
  console.log(`exported ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
}
