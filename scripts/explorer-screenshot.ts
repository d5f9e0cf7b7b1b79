// `node --import tsx scripts/explorer-screenshot.ts [FOLDER]`: opens the explorer that `npx bigan explore` wrote
// (default figures/explorer) in Debian's Chromium, offline, times its load and a hover, picks two digits, and saves
// the screenshot the README shows (data/results/figures/explorer.png).
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const folder = path.resolve(process.argv[2] ?? 'figures/explorer');
const browser = await puppeteer.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--window-size=1280,820'],
  defaultViewport: { width: 1280, height: 820 },
});
try {
  const page = await browser.newPage();
  await page.setOfflineMode(true);
  let started = performance.now();
  await page.goto(`file://${folder}/index.html`);
  await page.evaluate('window.explorer.ready');
  const load = performance.now() - started;
  const box = (await (await page.$('#map'))!.boundingBox())!;
  const at = async (i: number) => (await page.evaluate(`window.explorer.screenPosition(${i})`)) as [number, number];
  const hovers: number[] = [];
  for (const i of [11, 222, 3333]) {
    const [x, y] = await at(i);
    started = performance.now();
    await page.mouse.move(box.x + x, box.y + y);
    await page.evaluate('window.explorer.idle()');
    hovers.push(performance.now() - started);
  }
  for (const i of [2, 4]) {
    const [x, y] = await at(i);
    await page.mouse.click(box.x + x, box.y + y);
  }
  started = performance.now();
  await page.evaluate('window.explorer.idle()');
  const [x, y] = await at(18);
  await page.mouse.move(box.x + x, box.y + y);
  await page.evaluate('window.explorer.idle()');
  const out = path.resolve('data/results/figures/explorer.png');
  await page.screenshot({ path: out });
  console.log(
    `load to ready ${load.toFixed(0)} ms; pointer to reconstruction ${hovers.map((h) => h.toFixed(0)).join(', ')} ms; ${out}`,
  );
} finally {
  await browser.close();
}
