import fs from 'node:fs';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { JSDOM } from 'jsdom';
import { writeFileAtomic } from '../util/atomic.js';
import type { Figure } from './figure.js';
import { plotlySource, scriptJson } from './plotly-source.js';

export const FIGURE_FORMATS = ['svg', 'png', 'html'] as const;
export type FigureFormat = (typeof FIGURE_FORMATS)[number];

interface PlotlyApi {
  newPlot(div: unknown, data: unknown, layout: unknown, config: unknown): Promise<unknown>;
  toImage(div: unknown, options: { format: 'svg'; width: number; height: number }): Promise<string>;
  purge(div: unknown): void;
}

type Matrix = { a: number; b: number; c: number; d: number; e: number; f: number };

/** The matrix of an SVG transform attribute made of translate, scale, rotate and matrix terms. */
export function transformMatrix(attribute: string): Matrix {
  const multiply = (m: Matrix, n: Matrix): Matrix => ({
    a: m.a * n.a + m.c * n.b,
    b: m.b * n.a + m.d * n.b,
    c: m.a * n.c + m.c * n.d,
    d: m.b * n.c + m.d * n.d,
    e: m.a * n.e + m.c * n.f + m.e,
    f: m.b * n.e + m.d * n.f + m.f,
  });
  let result: Matrix = { a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 };
  for (const [, kind, args] of attribute.matchAll(/(\w+)\s*\(([^)]*)\)/g)) {
    const v = args
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    let term: Matrix;
    if (kind === 'translate') term = { a: 1, b: 0, c: 0, d: 1, e: v[0], f: v[1] ?? 0 };
    else if (kind === 'scale') term = { a: v[0], b: 0, c: 0, d: v[1] ?? v[0], e: 0, f: 0 };
    else if (kind === 'matrix') term = { a: v[0], b: v[1], c: v[2], d: v[3], e: v[4], f: v[5] };
    else if (kind === 'rotate') {
      const r = (v[0] * Math.PI) / 180;
      const [cx, cy] = [v[1] ?? 0, v[2] ?? 0];
      term = multiply(
        multiply(
          { a: 1, b: 0, c: 0, d: 1, e: cx, f: cy },
          { a: Math.cos(r), b: Math.sin(r), c: -Math.sin(r), d: Math.cos(r), e: 0, f: 0 },
        ),
        { a: 1, b: 0, c: 0, d: 1, e: -cx, f: -cy },
      );
    } else continue;
    result = multiply(result, term);
  }
  return result;
}

let headless: { window: JSDOM['window']; Plotly: PlotlyApi } | null = null;

/**
 * A jsdom window with plotly.js loaded, created once per process (loading plotly takes about a second).
 * jsdom does no layout, so text is measured by a rule of thumb (0.55 em per character); plotly only uses it
 * for margins and label placement.
 */
/** The parts of a jsdom element that the measuring stand-ins below read. */
interface MeasuredElement {
  style?: { fontSize?: string };
  textContent: string | null;
  getAttribute?(name: string): string | null;
  parentNode?: MeasuredElement | null;
  _fullLayout?: { width?: number; height?: number };
}

/** The sum of the `translate(...)` transforms from an element up to the root. */
function summedTranslation(element: MeasuredElement): [number, number] {
  let x = 0;
  let y = 0;
  for (let el: MeasuredElement | null | undefined = element; el?.getAttribute; el = el.parentNode) {
    const m = /translate\(\s*([-\d.e]+)(?:[\s,]+([-\d.e]+))?/.exec(el.getAttribute('transform') ?? '');
    if (m) {
      x += parseFloat(m[1]);
      y += parseFloat(m[2] ?? '0');
    }
  }
  return [x, y];
}

function headlessPlotly(): { window: JSDOM['window']; Plotly: PlotlyApi } {
  if (headless) return headless;
  const dom = new JSDOM('<!DOCTYPE html><html><head></head><body></body></html>', {
    pretendToBeVisual: true,
    runScripts: 'outside-only',
  });
  const window = dom.window as unknown as JSDOM['window'] & Record<string, unknown>;
  const fontSize = (el: MeasuredElement): number =>
    parseFloat(el.style?.fontSize || el.getAttribute?.('font-size') || '') || 12;
  const textWidth = (el: MeasuredElement): number => (el.textContent ?? '').length * fontSize(el) * 0.58;
  window.URL.createObjectURL = () => 'blob:headless';
  const svgPrototype = window.SVGElement.prototype as unknown as Record<string, unknown>;
  svgPrototype.getComputedTextLength = function (this: MeasuredElement) {
    return textWidth(this);
  };
  svgPrototype.getBBox = function (this: MeasuredElement) {
    return { x: 0, y: 0, width: textWidth(this), height: fontSize(this) * 1.2 };
  };
  // Plotly sizes legends, margins and annotations from the bounding boxes of text nodes, and hides tick
  // labels whose boxes overlap; so each box sits where the text is (translations summed up the tree), reaching
  // 0.8 em above the baseline and 0.25 em below, as in a browser.
  svgPrototype.getBoundingClientRect = function (this: MeasuredElement) {
    if (!this.textContent) return { x: 0, y: 0, left: 0, top: 0, right: 0, bottom: 0, width: 0, height: 0 };
    const [dx, dy] = summedTranslation(this);
    const x = (parseFloat(this.getAttribute?.('x') ?? '') || 0) + dx;
    const y = (parseFloat(this.getAttribute?.('y') ?? '') || 0) + dy;
    const width = textWidth(this);
    const size = fontSize(this);
    const anchor = this.getAttribute?.('text-anchor');
    const left = anchor === 'middle' ? x - width / 2 : anchor === 'end' ? x - width : x;
    const top = y - 0.8 * size;
    return { x: left, y: top, left, top, right: left + width, bottom: y + 0.25 * size, width, height: 1.05 * size };
  };
  // d3 reads transforms back through SVG's transform list, which jsdom lacks (table cells need it).
  Object.defineProperty(svgPrototype, 'transform', {
    configurable: true,
    get(this: MeasuredElement) {
      const attribute: string = this.getAttribute?.('transform') ?? '';
      return { baseVal: { consolidate: () => (attribute.trim() ? { matrix: transformMatrix(attribute) } : null) } };
    },
  });
  // The plot's own div spans the figure: plotly hides tick labels that fall outside it.
  const htmlPrototype = window.HTMLElement.prototype as unknown as Record<string, unknown>;
  htmlPrototype.getBoundingClientRect = function (this: MeasuredElement) {
    const width = this._fullLayout?.width ?? 0;
    const height = this._fullLayout?.height ?? 0;
    return { x: 0, y: 0, left: 0, top: 0, right: width, bottom: height, width, height };
  };
  window.HTMLCanvasElement.prototype.getContext = () => null;
  window.eval(plotlySource());
  headless = { window, Plotly: window.Plotly as PlotlyApi };
  return headless;
}

/** A figure's width and height in pixels (plotly's defaults when the layout has none). */
export function figureSize(figure: Figure): { width: number; height: number } {
  const width = Number(figure.layout.width ?? 700);
  const height = Number(figure.layout.height ?? 450);
  return { width, height };
}

/**
 * plotly's default `ticklabeloverflow: 'hide past div'` measures the page, which jsdom cannot lay out, and would
 * hide every y tick label; inside a fixed-size export nothing can overflow the page anyway.
 */
function headlessLayout(layout: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(layout);
  for (const key of Object.keys(copy).filter((k) => /^[xy]axis\d*$/.test(k))) {
    copy[key] = { ticklabeloverflow: 'allow', ...(copy[key] as Record<string, unknown>) };
  }
  if (!('yaxis' in copy)) copy.yaxis = { ticklabeloverflow: 'allow' };
  if (!('xaxis' in copy)) copy.xaxis = { ticklabeloverflow: 'allow' };
  return copy;
}

/** The figure as an SVG document, drawn by plotly.js in jsdom. */
export async function figureToSvg(figure: Figure): Promise<string> {
  const { window, Plotly } = headlessPlotly();
  const div = window.document.createElement('div');
  window.document.body.appendChild(div);
  try {
    const { width, height } = figureSize(figure);
    await Plotly.newPlot(div, structuredClone(figure.data), headlessLayout(figure.layout), {
      ...figure.config,
      staticPlot: true,
    });
    const url = await Plotly.toImage(div, { format: 'svg', width, height });
    return decodeURIComponent(url.replace(/^data:image\/svg\+xml,/, ''));
  } finally {
    Plotly.purge(div);
    div.remove();
  }
}

/** Rasterises an SVG with resvg (system fonts), on a white background. */
export function svgToPng(svg: string, scale = 1): Buffer {
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

/** A standalone HTML page: plotly.js inline, so it opens offline, interactive. */
export function figureToHtml(figure: Figure, title = 'figure'): string {
  const { width, height } = figureSize(figure);
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${title.replace(/[<&]/g, '')}</title>
<script>${plotlySource()}</script></head>
<body><div id="figure" style="width:${width}px;height:${height}px"></div>
<script>Plotly.newPlot('figure', ${scriptJson(figure.data)}, ${scriptJson(figure.layout)}, ${scriptJson({ responsive: false, ...figure.config })});</script>
</body></html>
`;
}

/**
 * Writes `figure` as `<basePath>.svg`, `.png` and `.html` (or the formats asked for), each atomically, creating
 * the folder. Returns the files written.
 */
export async function exportFigure(
  figure: Figure,
  basePath: string,
  formats: readonly FigureFormat[] = FIGURE_FORMATS,
  options: { pngScale?: number; rendered?: { svg: string; png: Buffer } } = {},
): Promise<string[]> {
  for (const f of formats)
    if (!FIGURE_FORMATS.includes(f))
      throw new Error(`unknown figure format '${f}' (known: ${FIGURE_FORMATS.join(', ')})`);
  fs.mkdirSync(path.dirname(basePath), { recursive: true });
  const written: string[] = [];
  let svg = options.rendered?.svg ?? null;
  const scale = options.pngScale ?? 1;
  for (const format of formats) {
    const file = `${basePath}.${format}`;
    if (format === 'html') writeFileAtomic(file, figureToHtml(figure, path.basename(basePath)));
    else {
      svg ??= await figureToSvg(figure);
      const png = () => (options.rendered && scale === 1 ? options.rendered.png : svgToPng(svg!, scale));
      writeFileAtomic(file, format === 'svg' ? svg : png());
    }
    written.push(file);
  }
  return written;
}
