#!/usr/bin/env node
// `npm run notebooks [-- [--commit-outputs] NAME ...]`: executes every notebook in notebooks/ (or the named ones) top
// to bottom with this checkout's Jupyter (.venv) and kernel, on each notebook's default (`quick`) preset. Executed
// copies go to out/notebooks/ (also when a cell fails: the outputs up to the failure), HTML exports to out/html/,
// exported figures to out/figures/. A failing cell is reported with its number, first line and whole error.
// --commit-outputs also writes each notebook that ran through back to notebooks/ with its outputs, figures as PNG
// only (scripts/jupyter/committed-notebook.mjs), for readers on GitHub; a notebook that failed is left as it was.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { jupyterEnv, jupyterReady, root, venvBin } from './jupyter-kernel.mjs';
import { commitOutputs } from './jupyter/committed-notebook.mjs';

const outDir = path.join(root, 'out');
if (!jupyterReady()) {
  console.error(
    'run-notebooks: this checkout has no Jupyter in .venv or no kernel registered there; run `npm run setup`',
  );
  process.exit(1);
}
const commit = process.argv.includes('--commit-outputs');
const wanted = process.argv.slice(2).filter((a) => a !== '--commit-outputs');
const notebooks = fs
  .readdirSync(path.join(root, 'notebooks'))
  .filter((f) => f.endsWith('.ipynb') && (wanted.length === 0 || wanted.some((w) => f.startsWith(w))))
  .sort();
if (notebooks.length === 0) {
  console.error(`run-notebooks: no notebook matches ${wanted.join(' ')}`);
  process.exit(1);
}
let failed = 0;
for (const notebook of notebooks) {
  const started = Date.now();
  console.log(`== ${notebook}`);
  const stem = notebook.replace(/\.ipynb$/, '');
  const result = spawnSync(
    venvBin('python'),
    [
      path.join(root, 'scripts', 'jupyter', 'execute.py'),
      path.join(root, 'notebooks', notebook),
      path.join(outDir, 'notebooks', notebook),
      path.join(outDir, 'html', `${stem}.html`),
    ],
    { cwd: root, stdio: 'inherit', env: jupyterEnv({ BIGAN_FIGURES_DIR: path.join(outDir, 'figures') }) },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (result.status === 0) {
    console.log(`   ok (${seconds} s): out/notebooks/${notebook}, out/html/${stem}.html`);
    if (commit) {
      const bytes = commitOutputs(path.join(outDir, 'notebooks', notebook), path.join(root, 'notebooks', notebook));
      console.log(`   committed form (${(bytes / 2 ** 20).toFixed(2)} MB, figures as PNG): notebooks/${notebook}`);
    }
  } else {
    failed++;
    console.log(`   FAILED (${seconds} s): the executed copy up to the failure is out/notebooks/${notebook}`);
  }
}
console.log(`notebooks: ${notebooks.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
