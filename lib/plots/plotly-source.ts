import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import { packageFolder } from '../util/paths.js';

let source: string | null = null;

/** plotly.js (the minified bundle of `plotly.js-dist-min`), read once. */
export function plotlySource(): string {
  source ??= fs.readFileSync(path.join(packageFolder('plotly.js-dist-min'), 'plotly.min.js'), 'utf8');
  return source;
}

/** JSON safe to place inside a <script> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

let loader: string | null = null;

/**
 * A script that makes `window.Plotly` available on its own, whatever ran before it: plotly.js gzipped and
 * base64-encoded (1.9 MB instead of 4.7), unpacked by the browser's DecompressionStream, and evaluated with
 * RequireJS's `define` hidden so that it sets the global even in the classic Notebook. Figures on one page share
 * one unpacking (`window.biganPlotly`, a promise of Plotly).
 */
export function plotlyLoaderScript(): string {
  loader ??= `window.biganPlotly = window.biganPlotly || (window.Plotly ? Promise.resolve(window.Plotly) : (async () => {
  const bytes = Uint8Array.from(atob('${zlib.gzipSync(plotlySource(), { level: 9 }).toString('base64')}'), (c) => c.charCodeAt(0));
  const text = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
  new Function('define', 'module', 'exports', text).call(window);
  return window.Plotly;
})());`;
  return loader;
}
