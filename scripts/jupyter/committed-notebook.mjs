// The copy of an executed notebook that is committed to notebooks/, for readers on GitHub and nbviewer: every
// output as it ran, except that a plotly figure keeps only its PNG (the plotly JSON and the HTML that carries the
// 1.9 MB plotly.js stay out), and the kernel's per-run timestamps are dropped so that a rerun with the same outputs
// changes nothing.
import fs from 'node:fs';
import path from 'node:path';

/** The text/plain line that marks a figure output (lib/plots/show.ts writes it). */
export const FIGURE_MARK = '<plotly figure:';

/** Limit on a committed notebook's size: a page a browser loads quickly, and a repository that stays small. */
export const MOST_COMMITTED_BYTES = 3 * 1024 * 1024;

const textOf = (value) => (Array.isArray(value) ? value.join('') : (value ?? ''));

function committedOutput(output) {
  const data = output.data;
  if (!data || !textOf(data['text/plain']).startsWith(FIGURE_MARK)) return output;
  if (!data['image/png']) throw new Error(`a figure output has no PNG: ${textOf(data['text/plain'])}`);
  const pngSize = output.metadata?.['image/png'];
  return {
    ...output,
    data: { 'image/png': data['image/png'], 'text/plain': data['text/plain'] },
    metadata: pngSize ? { 'image/png': pngSize } : {},
  };
}

/** The committed form of an executed notebook (a parsed .ipynb); the argument is left as it was. */
export function committedNotebook(notebook) {
  return {
    ...notebook,
    cells: notebook.cells.map((cell) => {
      if (cell.cell_type !== 'code') return cell;
      const { execution: _dropped, ...metadata } = cell.metadata ?? {};
      return { ...cell, metadata, outputs: cell.outputs.map(committedOutput) };
    }),
  };
}

/**
 * Writes the committed form of the executed notebook `executedFile` over `targetFile`, atomically; a committed form
 * over the size limit is an error naming it, and the target is left as it was.
 */
export function commitOutputs(executedFile, targetFile) {
  const committed = committedNotebook(JSON.parse(fs.readFileSync(executedFile, 'utf8')));
  const text = `${JSON.stringify(committed, null, 1)}\n`;
  const bytes = Buffer.byteLength(text);
  if (bytes > MOST_COMMITTED_BYTES)
    throw new Error(`${targetFile}: ${(bytes / 2 ** 20).toFixed(1)} MB with its outputs, over the 3 MB limit`);
  const temporary = path.join(path.dirname(targetFile), `.${path.basename(targetFile)}.${process.pid}.tmp`);
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, targetFile);
  return bytes;
}
