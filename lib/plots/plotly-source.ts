import fs from 'node:fs';
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
