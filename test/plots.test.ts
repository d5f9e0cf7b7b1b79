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
import { exportFigure } from '../lib/plots/export.js';
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

test('the notebook bundle carries plotly JSON, HTML and plain text', () => {
  const figure = lineChartFigure([{ name: 'a', x: [1, 2], y: [3, 4] }], { title: 'bundle' });
  const first = figureBundle(figure);
  assert.deepEqual(Object.keys(first).sort(), ['application/vnd.plotly.v1+json', 'text/html', 'text/plain']);
  assert.deepEqual((first['application/vnd.plotly.v1+json'] as { data: unknown }).data, figure.data);
  assert.match(first['text/html'] as string, /Plotly\.newPlot\(/);
  assert.ok((first['text/html'] as string).length > 1_000_000, 'the first figure of a session carries plotly.js');
  assert.ok((figureBundle(figure)['text/html'] as string).length < 100_000, 'later figures reuse it');
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
