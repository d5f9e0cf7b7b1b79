import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { initBackend } from '../lib/backend/backend.js';
import { loadMnist, takeFirst } from '../lib/data/mnist.js';
import { classify, loadClassifier } from '../lib/eval/classifier.js';
import { reconstruct } from '../lib/eval/samples.js';
import { loadPretrained } from '../lib/experiments/pretrained.js';
import { exportExplorer } from '../lib/plots/explorer.js';
import { projectRoot } from '../lib/util/paths.js';

const N = 300;
const shots = path.join(projectRoot(), 'out', 'browser');
let browser: Browser;
let page: Page;
const requests: string[] = [];

/** Runs an expression in the page (a string: tsx would wrap a function's helpers in its own __name). */
const inPage = <T>(expression: string) => page.evaluate(expression) as Promise<T>;

const largestDifference = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/** Moves the pointer onto digit i's point on the map, or clicks it, and waits for the page to finish. */
async function pointAt(i: number, click = false): Promise<void> {
  const [x, y] = await inPage<[number, number]>(`window.explorer.screenPosition(${i})`);
  const box = (await (await page.$('#map'))!.boundingBox())!;
  if (click) await page.mouse.click(box.x + x, box.y + y);
  else await page.mouse.move(box.x + x, box.y + y);
  await inPage('window.explorer.idle()');
}

before(async () => {
  await initBackend();
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'explorer-')), 'explorer');
  await exportExplorer({ pretrained: ['bigan-paper', 'cbigan-paper'], n: N, out });
  browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--window-size=1280,900'],
    defaultViewport: { width: 1280, height: 900 },
  });
  page = await browser.newPage();
  // Offline: any request that is not a file of the folder is refused and remembered.
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    if (request.url().startsWith('file://') || request.url().startsWith('data:')) void request.continue();
    else {
      requests.push(request.url());
      void request.abort();
    }
  });
  await page.goto(`file://${out}/index.html`);
  await inPage('window.explorer.ready');
});

after(async () => {
  await browser?.close();
});

test('explorer: hovering a digit shows x and G(E(x)) as the library computes it, offline', async () => {
  const started = performance.now();
  await pointAt(17);
  // Reported, not asserted: speed is the benchmark's business.
  console.log(`explorer: pointer to reconstruction in ${(performance.now() - started).toFixed(0)} ms`);
  const hovered = await inPage<number>('window.explorer.state.hovered');
  const label = loadMnist().test.labels[hovered];
  assert.equal(
    await inPage<string>("document.getElementById('hovered').textContent"),
    `test digit #${hovered}, labelled ${label}`,
  );
  const shown = await inPage<number[]>('Array.from(window.explorer.state.reconstruction)');
  const { model } = await loadPretrained('bigan-paper');
  try {
    const { reconstructions } = reconstruct(model, takeFirst(loadMnist().test, N), [hovered]);
    assert.ok(
      largestDifference(shown, reconstructions[0]) < 0.02,
      `pixels differ by ${largestDifference(shown, reconstructions[0])}`,
    );
  } finally {
    model.dispose();
  }
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, 'explorer-hover.png') });
  assert.deepEqual(requests, [], 'the page asked the network for nothing');
});

test('explorer: the path between two picked digits starts at G(E(x1)) and ends at G(E(x2))', async () => {
  await pointAt(5, true);
  await pointAt(42, true);
  const picked = await inPage<number[]>('window.explorer.state.picked');
  const strip = await inPage<number[][]>('window.explorer.state.strip.map((f) => Array.from(f))');
  assert.equal(strip.length, 8);
  const { model } = await loadPretrained('bigan-paper');
  try {
    const { reconstructions } = reconstruct(model, takeFirst(loadMnist().test, N), picked);
    assert.ok(largestDifference(strip[0], reconstructions[0]) < 0.02, 'first frame is G(E(x1))');
    assert.ok(largestDifference(strip[7], reconstructions[1]) < 0.02, 'last frame is G(E(x2))');
    assert.ok(largestDifference(strip[0], strip[7]) > 0.1, 'the two ends differ');
  } finally {
    model.dispose();
  }
  await page.screenshot({ path: path.join(shots, 'explorer-path.png') });
});

test("explorer: a CBiGAN's class selector redraws the row as that digit", async () => {
  await page.select('#model', '2');
  await inPage('window.explorer.idle()');
  assert.equal(await inPage<string>('window.explorer.state.model.name'), 'cbigan-paper');
  const classifier = await loadClassifier();
  for (const digit of [3, 7]) {
    await page.select('#digitClass', String(digit));
    await inPage('window.explorer.idle()');
    const row = await inPage<number[][]>('window.explorer.state.classRow.map((f) => Array.from(f))');
    const labels = classify(classifier, Float32Array.from(row.flat()), row.length);
    const agreeing = labels.filter((l) => l === digit).length;
    assert.ok(agreeing >= 6, `the classifier reads ${digit} on ${agreeing} of ${row.length}: ${Array.from(labels)}`);
  }
  await page.screenshot({ path: path.join(shots, 'explorer-class.png') });
});
