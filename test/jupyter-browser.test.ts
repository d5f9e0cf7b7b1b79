import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/**
 * The notebooks as a user opens them: `npm run lab` / `npm run notebook` (scripts/jupyter.mjs, the checkout's
 * .venv and kernel), driven by puppeteer-core in Debian's Chromium on the loopback interface. Screenshots land in
 * out/browser/. The app is exposed as `window.jupyterapp`, so cells run through JupyterLab's own commands.
 */
const root = path.resolve('.');
const shots = path.join(root, 'out', 'browser');
const TOKEN = 'bigan-browser-test';
const TOUR = path.join(root, 'notebooks', '00-tour.ipynb');
/** Figure cells of the tour notebook: the digit grid and the class counts. */
const TOUR_FIGURES = 2;

interface Server {
  url: string;
  process: ChildProcess;
}

const servers: Server[] = [];
let browser: Browser;

/**
 * User settings for the test servers: every cell rendered (JupyterLab detaches cells scrolled out of view, which
 * would hide figures from the count) and no news pop-up over the screenshots.
 */
function testSettings(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-settings-'));
  const write = (file: string, value: object) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), JSON.stringify(value));
  };
  write('@jupyterlab/notebook-extension/tracker.jupyterlab-settings', { windowingMode: 'none' });
  write('@jupyterlab/apputils-extension/notification.jupyterlab-settings', { fetchNews: 'false' });
  return dir;
}

async function startServer(app: 'lab' | 'notebook', notebooksDir: string, checkout = root): Promise<Server> {
  const port = 18800 + servers.length;
  const child = spawn(
    process.execPath,
    [
      path.join(checkout, 'scripts', 'jupyter.mjs'),
      app,
      '--no-browser',
      `--port=${port}`,
      '--ServerApp.ip=127.0.0.1',
      `--ServerApp.token=${TOKEN}`,
      `--ServerApp.root_dir=${notebooksDir}`,
      `--${app === 'lab' ? 'LabApp' : 'JupyterNotebookApp'}.expose_app_in_browser=True`,
      `--${app === 'lab' ? 'LabApp' : 'JupyterNotebookApp'}.user_settings_dir=${testSettings()}`,
    ],
    { cwd: checkout, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (chunk) => (log += chunk));
  const server = { url: `http://127.0.0.1:${port}`, process: child };
  servers.push(server);
  for (let waited = 0; ; waited += 250) {
    try {
      if ((await fetch(`${server.url}/api/status?token=${TOKEN}`)).ok) return server;
    } catch {
      // not listening yet
    }
    assert.ok(waited < 60000 && child.exitCode === null, `jupyter ${app} did not start:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function copyNotebook(from: string, name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'browser-'));
  fs.copyFileSync(from, path.join(dir, name));
  return dir;
}

/** Opens a notebook and waits until its kernel is idle. */
async function openNotebook(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 120000 });
  await page.waitForFunction(
    () => {
      const app = (window as unknown as { jupyterapp?: { shell: { currentWidget: unknown } } }).jupyterapp;
      const widget = app?.shell.currentWidget as
        { context?: { isReady: boolean }; sessionContext?: { session?: { kernel?: { status: string } } } } | undefined;
      return widget?.context?.isReady && widget.sessionContext?.session?.kernel?.status === 'idle';
    },
    { timeout: 120000, polling: 250 },
  );
}

/** Runs a JupyterLab command in the page. */
async function command(page: Page, id: string, args: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate(
    (id, args) =>
      (
        window as unknown as { jupyterapp: { commands: { execute(id: string, args: unknown): Promise<unknown> } } }
      ).jupyterapp.commands.execute(id, args),
    id,
    args,
  );
}

/** The parts of JupyterLab's open notebook panel (`window.jupyterapp.shell.currentWidget`) that the test reads. */
interface LabWindow {
  jupyterapp: {
    shell: {
      currentWidget: {
        content: {
          model: { cells: Iterable<{ type: string; executionCount: number | null }> };
          activeCellIndex: number;
        };
        sessionContext: { session: { kernel: { status: string } } };
      };
    };
  };
}

/** Waits until every code cell of the open notebook has run and the kernel is idle again. */
async function waitForRun(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const widget = (window as unknown as LabWindow).jupyterapp.shell.currentWidget;
      const cells = [...widget.content.model.cells].filter((c) => c.type === 'code');
      const ran = cells.every((c) => c.executionCount !== null);
      return ran && widget.sessionContext.session.kernel.status === 'idle';
    },
    { timeout: 300000, polling: 500 },
  );
}

/**
 * What the notebook shows: rendered plotly plots, figure images, and error outputs. Plotly's JupyterLab renderer
 * shows a bundle's PNG first and draws the interactive plot when the pointer enters it, so each figure is hovered
 * (as a user's pointer would) before the plots are counted; `images` counts figures still static after that.
 */
async function shown(page: Page): Promise<{ plots: number; images: number; errors: string[] }> {
  await page.waitForNetworkIdle({ idleTime: 500, timeout: 60000 }).catch(() => undefined);
  for (const image of await page.$$('.jp-RenderedPlotly img.plot-img')) {
    if (await image.isVisible()) await image.hover();
  }
  const expected = await page.$$eval('.jp-RenderedPlotly', (all) => all.length);
  await page
    .waitForFunction(
      (n) => document.querySelectorAll('.jp-RenderedPlotly.js-plotly-plot').length >= n,
      { timeout: 30000 },
      expected,
    )
    .catch(() => undefined);
  return page.evaluate(() => ({
    // plotly draws into the output node itself (JupyterLab's renderer) or into a div inside it (the HTML part).
    plots: document.querySelectorAll('.jp-OutputArea-output.js-plotly-plot, .jp-OutputArea-output .js-plotly-plot')
      .length,
    images: [...document.querySelectorAll('.jp-OutputArea-output img')].filter(
      (img) => (img as HTMLElement).offsetParent !== null,
    ).length,
    errors: [...document.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]')].map(
      (e) => e.textContent ?? '',
    ),
  }));
}

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--allow-file-access-from-files',
      '--window-size=1280,1600',
    ],
    defaultViewport: { width: 1280, height: 1600 },
  });
});

after(async () => {
  await browser?.close();
  for (const server of servers) server.process.kill('SIGTERM');
});

test('JupyterLab from `npm run lab`: run all, reload and rerun, save, close and reopen; every figure rendered', async () => {
  const dir = copyNotebook(TOUR, 'tour.ipynb');
  const lab = await startServer('lab', dir);
  const page = await browser.newPage();
  const url = `${lab.url}/lab/tree/tour.ipynb?token=${TOKEN}`;
  await openNotebook(page, url);
  await command(page, 'notebook:run-all-cells');
  await waitForRun(page);
  let seen = await shown(page);
  await page.screenshot({ path: path.join(shots, 'lab-run-all.png'), fullPage: true });
  assert.equal(seen.plots, TOUR_FIGURES, 'plots after running all cells');
  assert.deepEqual(seen.errors, []);
  await command(page, 'docmanager:save');

  // A reload (the kernel keeps running), then only the last figure cell again: nothing loaded plotly.js before it.
  await openNotebook(page, url);
  await page.evaluate(() => {
    const widget = (window as unknown as LabWindow).jupyterapp.shell.currentWidget;
    widget.content.activeCellIndex = [...widget.content.model.cells].map((c) => c.type).lastIndexOf('code');
  });
  await command(page, 'notebook:run-cell');
  await waitForRun(page);
  seen = await shown(page);
  await page.screenshot({ path: path.join(shots, 'lab-reload-rerun.png'), fullPage: true });
  assert.equal(seen.plots, TOUR_FIGURES, 'plots after a reload and one rerun cell');

  await command(page, 'docmanager:save');
  await command(page, 'application:close-all');
  await command(page, 'docmanager:open', { path: 'tour.ipynb' });
  await openNotebook(page, url);
  seen = await shown(page);
  await page.screenshot({ path: path.join(shots, 'lab-reopened.png'), fullPage: true });
  assert.equal(seen.plots, TOUR_FIGURES, 'plots after save, close and reopen');

  // The same saved notebook in Notebook 7's UI, run again there.
  const notebook = await startServer('notebook', dir);
  const classic = await browser.newPage();
  await openNotebook(classic, `${notebook.url}/notebooks/tour.ipynb?token=${TOKEN}`);
  assert.equal((await shown(classic)).plots, TOUR_FIGURES, 'Notebook 7 shows the saved figures');
  await command(classic, 'notebook:run-all-cells');
  await waitForRun(classic);
  seen = await shown(classic);
  await classic.screenshot({ path: path.join(shots, 'notebook7-run-all.png'), fullPage: true });
  assert.equal(seen.plots, TOUR_FIGURES, 'Notebook 7 after running all cells');
  assert.deepEqual(seen.errors, []);
});

test('the explorer shows inline in JupyterLab and Notebook 7, its page live from the files beside the notebook', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'explorer-nb-'));
  const nb = JSON.parse(fs.readFileSync(TOUR, 'utf8'));
  nb.cells = [
    {
      cell_type: 'code',
      execution_count: null,
      id: 'explorer',
      metadata: {},
      outputs: [],
      source: [
        "import { besideNotebook, exportExplorer, showExplorer } from './lib/index.js';\n",
        "const e = await exportExplorer({ pretrained: ['bigan-paper'], n: 100, out: besideNotebook('explorer') });\n",
        'showExplorer(e.out);',
      ],
    },
  ];
  fs.writeFileSync(path.join(dir, 'explorer.ipynb'), JSON.stringify(nb));
  const inlineExplorer = async (page: Page) => {
    const frame = await (await page.waitForSelector('.jp-OutputArea-output iframe', {
      timeout: 60000,
    }))!.contentFrame();
    await frame.waitForFunction('window.explorer !== undefined', { timeout: 60000 });
    await frame.evaluate('window.explorer.ready');
    return (await frame.evaluate('window.explorer.subjects')) as string[];
  };
  const lab = await startServer('lab', dir);
  const page = await browser.newPage();
  await openNotebook(page, `${lab.url}/lab/tree/explorer.ipynb?token=${TOKEN}`);
  await command(page, 'notebook:run-all-cells');
  await waitForRun(page);
  await page.screenshot({ path: path.join(shots, 'lab-explorer.png'), fullPage: true });
  assert.deepEqual(await inlineExplorer(page), ['raw pixels', 'bigan-paper']);
  await page.screenshot({ path: path.join(shots, 'lab-explorer.png'), fullPage: true });
  await command(page, 'docmanager:save');
  const notebook = await startServer('notebook', dir);
  const classic = await browser.newPage();
  await openNotebook(classic, `${notebook.url}/notebooks/explorer.ipynb?token=${TOKEN}`);
  assert.deepEqual(await inlineExplorer(classic), ['raw pixels', 'bigan-paper'], 'Notebook 7 shows the saved explorer');
  await classic.screenshot({ path: path.join(shots, 'notebook7-explorer.png'), fullPage: true });
});

test('a notebook executed headless (untrusted) shows every figure in JupyterLab', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'executed-'));
  const executed = path.join(dir, 'executed.ipynb');
  const venvPython = path.join(root, '.venv', 'bin', 'python');
  const env = {
    ...process.env,
    JUPYTER_PATH: path.join(root, '.venv', 'share', 'jupyter'),
    BIGAN_FIGURES_DIR: path.join(dir, 'figures'),
  };
  const run = spawnSync(venvPython, [path.join(root, 'scripts', 'jupyter', 'execute.py'), TOUR, executed], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  const lab = await startServer('lab', dir);
  const page = await browser.newPage();
  await openNotebook(page, `${lab.url}/lab/tree/executed.ipynb?token=${TOKEN}`);
  const seen = await shown(page);
  await page.screenshot({ path: path.join(shots, 'lab-untrusted-executed.png'), fullPage: true });
  assert.equal(seen.plots + seen.images, TOUR_FIGURES, `figures visible (plots ${seen.plots}, images ${seen.images})`);
});

test("two clones side by side: each Lab runs its own clone's kernel", async () => {
  // A second checkout of this working tree (tracked files and new ones git does not ignore), as a clone has them.
  const clone = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'clone-')), 'checkout');
  const files = spawnSync('git', ['ls-files', '-co', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  }).stdout.split('\n');
  for (const file of files.filter((f) => f && fs.existsSync(path.join(root, f)))) {
    fs.mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
    fs.copyFileSync(path.join(root, file), path.join(clone, file));
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(clone, 'node_modules'));
  const install = spawnSync(
    process.execPath,
    [
      '-e',
      "import('./scripts/jupyter-kernel.mjs').then((m) => { m.installJupyter({ stdio: 'ignore' }); m.registerKernel(); })",
    ],
    { cwd: clone, encoding: 'utf8' },
  );
  assert.equal(install.status, 0, install.stderr);
  const cwdNotebook = (dir: string) => {
    const nb = JSON.parse(fs.readFileSync(TOUR, 'utf8'));
    nb.cells = [
      {
        cell_type: 'code',
        execution_count: null,
        id: 'cwd',
        metadata: {},
        outputs: [],
        source: ['console.log(`cwd=${process.cwd()}`);'],
      },
    ];
    fs.writeFileSync(path.join(dir, 'cwd.ipynb'), JSON.stringify(nb));
    return dir;
  };
  for (const checkout of [root, clone]) {
    const lab = await startServer('lab', cwdNotebook(fs.mkdtempSync(path.join(os.tmpdir(), 'cwd-'))), checkout);
    const page = await browser.newPage();
    await openNotebook(page, `${lab.url}/lab/tree/cwd.ipynb?token=${TOKEN}`);
    await command(page, 'notebook:run-all-cells');
    await waitForRun(page);
    const printed = await page.evaluate(() => document.querySelector('.jp-OutputArea-output')?.textContent ?? '');
    assert.equal(printed.trim(), `cwd=${checkout}`);
  }
});

test('the HTML export of notebook 01 shows every figure and the rendered formula in Chromium', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'html-'));
  const notebook = path.join(root, 'notebooks', '01-bigan-mnist.ipynb');
  const env = {
    ...process.env,
    JUPYTER_PATH: path.join(root, '.venv', 'share', 'jupyter'),
    BIGAN_FIGURES_DIR: path.join(dir, 'figures'),
  };
  const run = spawnSync(
    path.join(root, '.venv', 'bin', 'python'),
    [
      path.join(root, 'scripts', 'jupyter', 'execute.py'),
      notebook,
      path.join(dir, '01.ipynb'),
      path.join(dir, '01.html'),
    ],
    { cwd: root, env, encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  const executed = JSON.parse(fs.readFileSync(path.join(dir, '01.ipynb'), 'utf8'));
  const figures = executed.cells
    .flatMap((c: { outputs?: { data?: Record<string, unknown> }[] }) => c.outputs ?? [])
    .filter((o: { data?: Record<string, unknown> }) => o.data?.['application/vnd.plotly.v1+json']).length;
  assert.ok(figures >= 4, `notebook 01 has its figures (${figures})`);
  const page = await browser.newPage();
  await page.goto(`file://${path.join(dir, '01.html')}`, { waitUntil: 'load', timeout: 120000 });
  await page.waitForSelector('.MathJax_CHTML', { timeout: 120000 });
  await page.waitForFunction(
    (n) => document.querySelectorAll('.js-plotly-plot').length === n,
    { timeout: 120000 },
    figures,
  );
  await page.screenshot({ path: path.join(shots, 'html-export-01.png'), fullPage: false });
});
