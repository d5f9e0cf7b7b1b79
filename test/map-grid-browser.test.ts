import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import puppeteer from 'puppeteer-core';
import { mapGridFigure, type MapPanel } from '../lib/plots/charts.js';
import { figureToHtml } from '../lib/plots/export.js';

/** The panel titles notebook 04 draws, at their longest: every shipped encoder, the quick runs, raw pixels. */
const TITLES = [
  'raw pixels: 5NN 96.4%',
  'bigan-paper (pretrained, epoch 100): 5NN 93.6%',
  'bigbigan-base (pretrained, epoch 4): 5NN 88.9%',
  'cbigan-extended-paper (pretrained, epoch 30): 5NN 90.8%',
  'cbigan-paper (pretrained, epoch 30): 5NN 92.4%',
  'BiGAN, quick preset (epoch 2): 5NN 61.0%',
  'CBiGAN extended, quick preset (epoch 2): 5NN 58.3%',
];

function panel(title: string, seed: number): MapPanel {
  const points = Float64Array.from({ length: 400 }, (_, i) => Math.sin(i * 12.9898 + seed) * 40);
  return { title, points, labels: Uint8Array.from({ length: 200 }, (_, i) => i % 10) };
}

interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** Title and plot-area boxes of a rendered figure, measured by the browser's own text layout. */
async function measure(html: string) {
  const browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--allow-file-access-from-files'],
  });
  try {
    const page = await browser.newPage();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'grid-')), 'grid.html');
    fs.writeFileSync(file, html);
    await page.goto(`file://${file}`);
    await page.waitForSelector('.annotation-text');
    // A string, not a function: tsx's transform would wrap a function's inner helpers in its own __name, which
    // the page does not have.
    return (await page.evaluate(`(() => {
      const box = (e) => {
        const r = e.getBoundingClientRect();
        return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
      };
      return {
        figure: box(document.querySelector('.main-svg')),
        titles: [...document.querySelectorAll('.annotation-text')].map(box),
        panels: [...document.querySelectorAll('.nsewdrag')].map(box),
      };
    })()`)) as { figure: Box; titles: Box[]; panels: Box[] };
  } finally {
    await browser.close();
  }
}

const overlap = (a: Box, b: Box) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

for (const count of [2, 4, 7]) {
  test(`map grid of ${count} panels: no title overlaps another or a panel, none leaves the figure`, async () => {
    const figure = mapGridFigure(
      TITLES.slice(0, count).map((t, i) => panel(t, i)),
      { title: 't-SNE of 10000 test digits', columns: 3 },
    );
    const { figure: frame, titles, panels } = await measure(figureToHtml(figure, 'grid'));
    assert.equal(titles.length, count);
    for (const [i, t] of titles.entries()) {
      assert.ok(
        t.left >= frame.left && t.right <= frame.right && t.top >= frame.top && t.bottom <= frame.bottom,
        `title ${i} (${JSON.stringify(t)}) leaves the figure ${JSON.stringify(frame)}`,
      );
      for (const [j, u] of titles.entries()) if (i < j) assert.ok(!overlap(t, u), `titles ${i} and ${j} overlap`);
      for (const p of panels) assert.ok(!overlap(t, p), `title ${i} overlaps a panel`);
    }
  });
}
