#!/usr/bin/env node
// `npm run lab [-- ARGS]` and `npm run notebook [-- ARGS]`: JupyterLab or Notebook 7 from this checkout's .venv,
// on the project's notebooks, with this checkout's kernel first on JUPYTER_PATH. Runs `--allow-root` only as root;
// other arguments pass through to Jupyter (say `--no-browser`, `--port 8890`). Jupyter prints the URL to open.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { jupyterEnv, jupyterReady, root, venvBin } from './jupyter-kernel.mjs';

const [app, ...args] = process.argv.slice(2);
if (app !== 'lab' && app !== 'notebook') {
  console.error('usage: node scripts/jupyter.mjs lab|notebook [jupyter arguments]');
  process.exit(2);
}
if (!jupyterReady()) {
  console.error(
    `${path.join(root, '.venv')} has no Jupyter or no kernel of this checkout: run \`npm run setup\` first`,
  );
  process.exit(1);
}
const given = (flag) => args.some((a) => a === flag || a.startsWith(`${flag}=`));
const defaults = [
  ...(given('--ServerApp.root_dir') || given('--notebook-dir')
    ? []
    : [`--ServerApp.root_dir=${path.join(root, 'notebooks')}`]),
  ...(process.getuid?.() === 0 && !given('--allow-root') ? ['--allow-root'] : []),
];
const child = spawn(venvBin('jupyter'), [app, ...defaults, ...args], { stdio: 'inherit', env: jupyterEnv() });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
