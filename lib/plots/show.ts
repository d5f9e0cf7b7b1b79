import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { projectRoot } from '../util/paths.js';
import type { Figure } from './figure.js';
import { plotlySource, scriptJson } from './plotly-source.js';

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

let plotlySent = false;
let counter = 0;

/**
 * The MIME bundle of a figure: plotly's own JSON (rendered by JupyterLab and VS Code) and HTML for the classic
 * Notebook and nbconvert's HTML export. The HTML carries plotly.js itself the first time in a kernel session,
 * so that an exported notebook works offline; later figures reuse it.
 */
export function figureBundle(figure: Figure): Record<string, unknown> {
  const id = `bigan-figure-${process.pid}-${++counter}`;
  const loader = plotlySent ? '' : `<script>if (!window.Plotly) {${plotlySource()}}</script>`;
  plotlySent = true;
  const title = String((figure.layout.title as { text?: string } | undefined)?.text ?? 'figure');
  return {
    'application/vnd.plotly.v1+json': { data: figure.data, layout: figure.layout, config: figure.config ?? {} },
    'text/html': `${loader}<div id="${id}"></div><script>Plotly.newPlot('${id}', ${scriptJson(figure.data)}, ${scriptJson(figure.layout)}, ${scriptJson(figure.config ?? {})});</script>`,
    'text/plain': `<plotly figure: ${title}>`,
  };
}

/** Shows a figure in the notebook (tslab kernel); elsewhere prints a one-line description. */
export function show(figure: Figure): void {
  const display = tslabDisplay();
  if (!display) {
    console.log(
      `<plotly figure: ${String((figure.layout.title as { text?: string } | undefined)?.text ?? 'untitled')}> (shown in notebooks; use exportFigure to write files)`,
    );
    return;
  }
  display({ data: figureBundle(figure), metadata: {}, transient: {} }, false);
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
  display(
    {
      data: { 'image/png': fs.readFileSync(absolute).toString('base64'), 'text/plain': `<image ${file}>` },
      metadata: {},
      transient: {},
    },
    false,
  );
}
