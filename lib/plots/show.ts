import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { besideNotebook, projectRoot } from '../util/paths.js';
import type { Figure } from './figure.js';
import { figureSize, figureToSvg, svgToPng } from './export.js';
import { plotlyLoaderScript, scriptJson } from './plotly-source.js';

type DisplayWriter = (
  content: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: Record<string, unknown> },
  update: boolean,
) => void;

/** tslab's channel for display_data messages, when this process is a tslab kernel. */
function tslabDisplay(): DisplayWriter | null {
  try {
    const jupyter = createRequire(path.join(projectRoot(), 'package.json'))('tslab/dist/jupyter') as {
      lastWriteDisplayData?: DisplayWriter | null;
    };
    return jupyter.lastWriteDisplayData ?? null;
  } catch {
    return null;
  }
}

let counter = 0;

/**
 * The display bundle of a figure, each part standing on its own (no output relies on an earlier one):
 * - `application/vnd.plotly.v1+json`, rendered by JupyterLab, Notebook 7 and VS Code (plotly's renderer);
 * - `text/html` that loads plotly.js by itself, for the classic Notebook and nbconvert's HTML export;
 * - `image/png` at the figure's own size (its metadata says so, so that it is not stretched to the output
 *   width), for GitHub, nbviewer, untrusted notebooks and PDF export;
 * - `text/plain`.
 */
export async function figureBundle(
  figure: Figure,
  png?: Buffer,
): Promise<{ data: Record<string, unknown>; metadata: Record<string, unknown> }> {
  const id = `bigan-figure-${process.pid}-${++counter}`;
  const title = String((figure.layout.title as { text?: string } | undefined)?.text ?? 'figure');
  const { width, height } = figureSize(figure);
  const image = png ?? svgToPng(await figureToSvg(figure));
  const plot = `Plotly.newPlot('${id}', ${scriptJson(figure.data)}, ${scriptJson(figure.layout)}, ${scriptJson(figure.config ?? {})})`;
  return {
    data: {
      'application/vnd.plotly.v1+json': { data: figure.data, layout: figure.layout, config: figure.config ?? {} },
      'text/html': `<div id="${id}" style="width:${width}px;height:${height}px"></div><script>${plotlyLoaderScript()}\nwindow.biganPlotly.then((Plotly) => ${plot});</script>`,
      'image/png': image.toString('base64'),
      'text/plain': `<plotly figure: ${title}>`,
    },
    metadata: { 'image/png': { width, height } },
  };
}

/** Shows a figure in the notebook (tslab kernel); elsewhere prints a one-line description. */
export async function show(figure: Figure, png?: Buffer): Promise<void> {
  const display = tslabDisplay();
  if (!display) {
    console.log(
      `<plotly figure: ${String((figure.layout.title as { text?: string } | undefined)?.text ?? 'untitled')}> (shown in notebooks; use exportFigure to write files)`,
    );
    return;
  }
  display({ ...(await figureBundle(figure, png)), transient: {} }, false);
}

/**
 * Shows a PNG written earlier (say, a long run's exported grid committed under data/results/figures) in the
 * notebook, read by the kernel: a markdown image link would depend on where the Jupyter server was started.
 */
export function showImageFile(file: string): void {
  const absolute = path.resolve(projectRoot(), file);
  if (!fs.existsSync(absolute)) throw new Error(`${file}: no such image`);
  const display = tslabDisplay();
  if (!display) {
    console.log(`<image ${file}> (shown in notebooks)`);
    return;
  }
  const bytes = fs.readFileSync(absolute);
  // A PNG's width and height are the big-endian words at bytes 16 and 20 (the IHDR chunk).
  const size = { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  display(
    {
      data: { 'image/png': bytes.toString('base64'), 'text/plain': `<image ${file}>` },
      metadata: { 'image/png': size },
      transient: {},
    },
    false,
  );
}

/**
 * Shows an explorer folder (`exportExplorer`) inline: an iframe in a trusted notebook, and a link that opens it in
 * its own tab, which an untrusted notebook keeps. Both are relative to the notebook's folder, which JupyterLab and
 * Notebook 7 resolve to their /files/ route: write the explorer there (`besideNotebook`).
 */
export function showExplorer(folder: string): void {
  const relative = path.relative(besideNotebook(), path.resolve(folder)).split(path.sep).join('/');
  if (relative.startsWith('..'))
    throw new Error(`${folder}: outside the notebook's folder, where its page cannot link to it (use besideNotebook)`);
  const url = `${relative}/index.html`;
  const display = tslabDisplay();
  if (!display) {
    console.log(`<explorer ${path.join(folder, 'index.html')}> (shown in notebooks)`);
    return;
  }
  const html =
    `<iframe src="${url}" width="1240" height="780" style="border:1px solid #ddd"></iframe>` +
    `<p><a href="${url}" target="_blank">Open the explorer in its own tab</a> (folder ${relative}/ beside the ` +
    'notebook; it also opens from file:// without a server).</p>';
  display({ data: { 'text/html': html, 'text/plain': `<explorer ${url}>` }, metadata: {}, transient: {} }, false);
}
