import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { main } from '../lib/cli/main.js';
import { loadMnist, PIXELS } from '../lib/data/mnist.js';
import { classScatterFigure, lineChartFigure } from '../lib/plots/charts.js';
import { BIGAN_REFERENCES } from '../lib/experiments/references.js';
import type { RunResults } from '../lib/experiments/results.js';
import { exportFigure } from '../lib/plots/export.js';
import { accuracyByEpochFigure } from '../lib/plots/run-figures.js';
import { ablationMetricFigure } from '../lib/plots/ablation-figures.js';
import { tableRows } from '../lib/experiments/statistics.js';
import { imageGridFigure } from '../lib/plots/image-grid.js';
import { figureBundle, showImageFile } from '../lib/plots/show.js';
import { makeConfig } from '../lib/config/training-config.js';
import { silentProgress } from '../lib/training/progress.js';
import { train } from '../lib/training/train.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fig-'));

function distinctGreys(png: PNG): number {
  const seen = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4) seen.add((png.data[i] << 16) | (png.data[i + 1] << 8) | png.data[i + 2]);
  return seen.size;
}

function digitRows() {
  const mnist = loadMnist();
  return [0, 1].map((r) => ({
    label: r ? 'x' : 'G(z)',
    images: Array.from({ length: 8 }, (_, c) =>
      mnist.test.images.subarray((r * 8 + c) * PIXELS, (r * 8 + c + 1) * PIXELS),
    ),
  }));
}

test('an exported image grid PNG has the figure size and real content; SVG and HTML are written too', async () => {
  const figure = imageGridFigure(digitRows(), { title: 'digits' });
  const base = path.join(tmp(), 'grid');
  const files = await exportFigure(figure, base);
  assert.deepEqual(files, [`${base}.svg`, `${base}.png`, `${base}.html`]);
  const png = PNG.sync.read(fs.readFileSync(`${base}.png`));
  assert.equal(png.width, figure.layout.width);
  assert.equal(png.height, figure.layout.height);
  assert.ok(distinctGreys(png) > 20, `only ${distinctGreys(png)} distinct colours: the digits are missing`);
  const svg = fs.readFileSync(`${base}.svg`, 'utf8');
  assert.match(svg, /^<svg[^>]*width="\d+"/);
  assert.match(svg, /data:image\/png;base64,/, 'the digits are embedded in the SVG');
  assert.match(svg, />G\(z\)</, 'row labels are text in the SVG');
});

test('a line chart exports its axes and tick labels', async () => {
  const base = path.join(tmp(), 'lines');
  await exportFigure(
    lineChartFigure([{ name: 'loss', x: [1, 2, 3], y: [0.5, 0.25, 0.125] }], { title: 'losses', xTitle: 'epoch' }),
    base,
    ['svg', 'png'],
  );
  const svg = fs.readFileSync(`${base}.svg`, 'utf8');
  assert.ok((svg.match(/class="ytick"><text/g) ?? []).length >= 3, 'y tick labels are drawn');
  assert.ok((svg.match(/class="xtick"><text/g) ?? []).length >= 3, 'x tick labels are drawn');
  assert.match(svg, />epoch</);
});

function chromium(args: string[]): { stdout: string; status: number | null } {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-'));
  const result = spawnSync(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      '--virtual-time-budget=5000',
      ...args,
    ],
    { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 60000 },
  );
  return { stdout: result.stdout, status: result.status };
}

test('the exported HTML draws every trace and point in headless Chromium, and its screenshot is not blank', async () => {
  const labels = Uint8Array.from({ length: 300 }, (_, i) => i % 3);
  const points = Float32Array.from({ length: 600 }, (_, i) => (i % 2 ? Math.sin(i) : Math.cos(i)) * (1 + (i % 7)));
  const base = path.join(tmp(), 'scatter');
  await exportFigure(classScatterFigure(points, labels, { title: 'three classes' }), base, ['html']);
  const url = `file://${base}.html`;
  const dom = chromium(['--dump-dom', url]);
  assert.equal(dom.status, 0, 'chromium ran');
  assert.equal((dom.stdout.match(/class="trace scatter/g) ?? []).length, 3, 'three traces');
  assert.equal((dom.stdout.match(/<path class="point[ "]/g) ?? []).length, 300, 'every point drawn');
  const shot = path.join(tmp(), 'shot.png');
  assert.equal(chromium([`--screenshot=${shot}`, '--window-size=700,600', url]).status, 0);
  assert.ok(distinctGreys(PNG.sync.read(fs.readFileSync(shot))) > 5, 'the screenshot shows the plot');
});

test('every figure bundle stands on its own: plotly JSON, HTML that loads plotly.js itself, a PNG at the figure size', async () => {
  const figure = lineChartFigure([{ name: 'a', x: [1, 2, 3], y: [3, 4, 2] }], {
    title: 'bundle',
    width: 500,
    height: 300,
  });
  const bundles = [await figureBundle(figure), await figureBundle(figure)];
  for (const { data, metadata } of bundles) {
    assert.deepEqual(Object.keys(data).sort(), [
      'application/vnd.plotly.v1+json',
      'image/png',
      'text/html',
      'text/plain',
    ]);
    assert.deepEqual((data['application/vnd.plotly.v1+json'] as { data: unknown }).data, figure.data);
    assert.deepEqual(metadata['image/png'], { width: 500, height: 300 });
    const png = PNG.sync.read(Buffer.from(data['image/png'] as string, 'base64'));
    assert.deepEqual([png.width, png.height], [500, 300]);
    assert.ok(distinctGreys(png) > 5, 'the PNG shows the plot');
  }
  // The second figure of a session, alone on a page (a reloaded notebook, an export): plotly.js comes with it, also
  // where RequireJS's define exists (the classic Notebook).
  const html = bundles[1].data['text/html'] as string;
  for (const head of ['', '<script>window.define = function () {}; window.define.amd = {};</script>']) {
    const page = path.join(tmp(), 'alone.html');
    fs.writeFileSync(page, `<!DOCTYPE html><html><head>${head}</head><body>${html}</body></html>`);
    const dom = chromium(['--dump-dom', `file://${page}`]);
    assert.equal(dom.status, 0, 'chromium ran');
    assert.match(dom.stdout, /class="[^"]*js-plotly-plot/, `rendered (head: ${head || 'none'})`);
    assert.equal((dom.stdout.match(/class="trace scatter/g) ?? []).length, 1);
  }
});

test('a committed image is shown from its file; a missing one is an error naming it', (t) => {
  const logged: string[] = [];
  t.mock.method(console, 'log', (line: string) => logged.push(line));
  showImageFile('data/results/figures/cbigan-paper/class-samples.png');
  assert.match(logged[0], /<image data\/results\/figures\/cbigan-paper\/class-samples\.png>/);
  assert.throws(
    () => showImageFile('data/results/figures/none.png'),
    /data\/results\/figures\/none\.png: no such image/,
  );
});

test('bigan plot --label starts every exported figure title with the label', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plot-label-'));
  const trained = await train({
    runDir: path.join(dir, 'run'),
    config: makeConfig('quick', { epochs: 1, trainLimit: 64, batchSize: 32, architecture: { hiddenUnits: 16 } }),
    progress: silentProgress,
  });
  trained.model.dispose();
  t.mock.method(console, 'log', () => {});
  assert.equal(
    await main([
      'plot',
      '--run',
      path.join(dir, 'run'),
      '--out',
      path.join(dir, 'figures'),
      '--formats',
      'svg',
      '--label',
      'row-x',
    ]),
    0,
  );
  for (const [file, title] of [
    ['samples', 'row-x: samples G(z), epoch 1'],
    ['reconstructions', 'row-x: x and G(E(x)), epoch 1'],
    ['losses', 'row-x: training losses'],
  ]) {
    assert.ok(
      fs.readFileSync(path.join(dir, 'figures', `${file}.svg`), 'utf8').includes(title),
      `${file}.svg has the title '${title}'`,
    );
  }
});

test('the accuracy-by-epoch figure draws each milestone of a run and each published point at its epoch', () => {
  const metrics = (knnLatent: number) => ({
    knnLatent,
    knnFeatures: knnLatent + 0.01,
    linearProbeLatent: 0.9,
    latentSize: 50,
    featureSize: 1024,
    trainCount: 60000,
    testCount: 10000,
    seconds: 1,
  });
  const results = {
    name: 'long',
    epoch: 200,
    metrics: metrics(0.95),
    milestones: [
      { epoch: 100, metrics: metrics(0.94) },
      { epoch: 200, metrics: metrics(0.95) },
    ],
  } as unknown as RunResults;
  const figure = accuracyByEpochFigure(results, BIGAN_REFERENCES);
  const traces = figure.data as { name: string; x: number[]; y: number[] }[];
  assert.deepEqual(traces[0].x, [100, 200]);
  assert.deepEqual(traces[0].y, [94, 95]);
  assert.deepEqual(traces[1].y, [95, 96]);
  const published = BIGAN_REFERENCES.filter((r) => r.epoch !== undefined);
  assert.equal(traces.length, 2 + published.length);
  const official200 = traces.find((t) => t.name === 'official BiGAN code, epoch 200: E(x), 50-d')!;
  assert.deepEqual([official200.x, official200.y], [[200], [95.92]]);
});

test('an ablation metric spanning more than fivefold is drawn on a log axis, bars, whiskers and all', () => {
  const rows = (fids: number[]) =>
    tableRows(
      fids.flatMap((fid, r) =>
        [0, 1].map((seed) => ({
          row: `r${r}`,
          seed,
          inceptionScore: 7,
          frechetDistance: fid + seed,
          runDir: '',
          trainingSeconds: 1,
        })),
      ),
    );
  const axis = (fids: number[]) =>
    (ablationMetricFigure(rows(fids), 'frechetDistance').layout as { yaxis: { type?: string } }).yaxis.type;
  assert.equal(axis([12, 13, 114]), 'log');
  const logAxis = (
    ablationMetricFigure(rows([12, 13, 114]), 'frechetDistance').layout as { yaxis: { ticktext: string[] } }
  ).yaxis;
  assert.ok(
    ['10', '20', '50', '100'].every((t) => logAxis.ticktext.includes(t)),
    logAxis.ticktext.join(' '),
  );
  assert.equal(axis([12, 13, 32]), undefined);
  const [bars] = ablationMetricFigure(rows([12, 13, 114]), 'frechetDistance').data as { y: number[] }[];
  assert.deepEqual(bars.y, [12.5, 13.5, 114.5]);
});
