#!/usr/bin/env node
// `npm run notebooks [-- NAME ...]`: executes every notebook in notebooks/ (or the named ones) top to bottom
// under Jupyter with the bigan-tslab kernel, on each notebook's default (`quick`) preset. Executed copies go to
// out/notebooks/, exported figures to out/figures/ (each notebook names its figures <notebook>/<figure>).
// Any cell error fails the run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KERNEL_NAME, kernelRegistered } from './jupyter-kernel.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'out');

function findNbconvert() {
  const candidates = [
    ['jupyter-nbconvert'],
    ['jupyter', 'nbconvert'],
    ['/usr/bin/python3', '-m', 'nbconvert'],
    ['python3', '-m', 'nbconvert'],
  ];
  return (
    candidates.find(([cmd, ...rest]) => spawnSync(cmd, [...rest, '--version'], { stdio: 'ignore' }).status === 0) ??
    null
  );
}

const nbconvert = findNbconvert();
if (!nbconvert) {
  console.error(
    'run-notebooks: Jupyter nbconvert not found; `npm run setup` installs it (Debian jupyter-nbconvert, python3-nbclient)',
  );
  process.exit(1);
}
if (!kernelRegistered()) {
  console.error(
    `run-notebooks: the Jupyter kernel ${KERNEL_NAME} of this checkout is not registered; run \`npm run setup\``,
  );
  process.exit(1);
}
const wanted = process.argv.slice(2);
const notebooks = fs
  .readdirSync(path.join(root, 'notebooks'))
  .filter((f) => f.endsWith('.ipynb') && (wanted.length === 0 || wanted.some((w) => f.startsWith(w))))
  .sort();
if (notebooks.length === 0) {
  console.error(`run-notebooks: no notebook matches ${wanted.join(' ')}`);
  process.exit(1);
}
fs.mkdirSync(path.join(outDir, 'notebooks'), { recursive: true });
let failed = 0;
for (const notebook of notebooks) {
  const started = Date.now();
  console.log(`== ${notebook}`);
  const [cmd, ...prefix] = nbconvert;
  const result = spawnSync(
    cmd,
    [
      ...prefix,
      '--to',
      'notebook',
      '--execute',
      `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`,
      '--ExecutePreprocessor.timeout=1800',
      '--output-dir',
      path.join(outDir, 'notebooks'),
      path.join(root, 'notebooks', notebook),
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, BIGAN_FIGURES_DIR: path.join(outDir, 'figures') } },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (result.status === 0) console.log(`   ok (${seconds} s): out/notebooks/${notebook}, figures under out/figures/`);
  else {
    failed++;
    console.log(`   FAILED (${seconds} s)`);
  }
}
console.log(`notebooks: ${notebooks.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
