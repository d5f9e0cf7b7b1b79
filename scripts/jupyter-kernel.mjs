// The project's Jupyter front end and kernel, both belonging to this checkout:
// - JupyterLab, Notebook 7 and nbconvert live in .venv/, installed from the hash-pinned scripts/jupyter/requirements.txt;
// - the kernel `bigan-tslab` (tslab started from this project's root by scripts/tslab-kernel.cjs) is registered in
//   .venv/share/jupyter/kernels/, and every Jupyter command run through this module puts that folder first on
//   JUPYTER_PATH, so two clones side by side never start each other's kernel.
// Used by `npm run setup`, `npm run lab`, `npm run notebook` and `npm run notebooks`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const KERNEL_NAME = 'bigan-tslab';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const venvDir = path.join(root, '.venv');
const launcher = path.join(root, 'scripts', 'tslab-kernel.cjs');
const requirements = path.join(root, 'scripts', 'jupyter', 'requirements.txt');

/** A program of the venv (`python`, `jupyter`, ...). */
export function venvBin(name) {
  return path.join(venvDir, 'bin', name);
}

/** The environment for Jupyter commands: this checkout's kernels first, the venv's programs on PATH. */
export function jupyterEnv(extra = {}) {
  const data = path.join(venvDir, 'share', 'jupyter');
  return {
    ...process.env,
    JUPYTER_PATH: [data, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter),
    PATH: [path.join(venvDir, 'bin'), process.env.PATH].join(path.delimiter),
    ...extra,
  };
}

export function kernelSpecDir() {
  return path.join(venvDir, 'share', 'jupyter', 'kernels', KERNEL_NAME);
}

/**
 * Creates .venv (if missing) with `python3 -m venv` and installs the pinned front end, every file checked against
 * its SHA-256 (`--require-hashes`). pip skips what is already installed at the pinned version.
 */
export function installJupyter({ python = 'python3', stdio = 'inherit' } = {}) {
  if (!fs.existsSync(venvBin('python'))) {
    const made = spawnSync(python, ['-m', 'venv', venvDir], { stdio });
    if (made.status !== 0)
      throw new Error(`${python} -m venv ${venvDir} failed (Debian needs the python3-venv package)`);
  }
  // JupyterLab runs the yarn.js it bundles with Node.js; inside this project Node.js would read our package.json
  // ("type": "module") and load that CommonJS file as an ES module, which fails. The venv declares its own type.
  fs.writeFileSync(path.join(venvDir, 'package.json'), '{ "type": "commonjs" }\n');
  const pip = spawnSync(
    venvBin('python'),
    ['-m', 'pip', 'install', '--quiet', '--require-hashes', '--no-deps', '-r', requirements],
    { stdio },
  );
  if (pip.status !== 0) throw new Error(`pip install -r ${requirements} into ${venvDir} failed`);
}

/** Writes the kernelspec by hand: `tslab install` would need IPython, and we start tslab our own way. */
export function registerKernel() {
  const dir = kernelSpecDir();
  fs.mkdirSync(dir, { recursive: true });
  const spec = {
    argv: [process.execPath, launcher, '{connection_file}'],
    display_name: 'TypeScript (tslab, bigan)',
    language: 'typescript',
    env: { TF_CPP_MIN_LOG_LEVEL: '2' },
  };
  const tmp = path.join(dir, `kernel.json.${process.pid}`);
  fs.writeFileSync(tmp, JSON.stringify(spec, null, 2));
  fs.renameSync(tmp, path.join(dir, 'kernel.json'));
  removeUserKernelOfThisCheckout();
  return dir;
}

/**
 * Earlier set-ups registered the kernel per user (~/.local/share/jupyter/kernels); such a spec that starts this
 * checkout is removed, so that a Jupyter outside the venv does not find a stale twin.
 */
function removeUserKernelOfThisCheckout() {
  const dataDir = process.env.JUPYTER_DATA_DIR ?? path.join(os.homedir(), '.local', 'share', 'jupyter');
  const spec = path.join(dataDir, 'kernels', KERNEL_NAME, 'kernel.json');
  try {
    if (JSON.parse(fs.readFileSync(spec, 'utf8')).argv.includes(launcher))
      fs.rmSync(path.dirname(spec), { recursive: true });
  } catch {
    // no such spec, or not ours
  }
}

/** True when this checkout's venv holds Jupyter and its kernel is registered there. */
export function jupyterReady() {
  const spec = path.join(kernelSpecDir(), 'kernel.json');
  return (
    fs.existsSync(venvBin('jupyter')) &&
    fs.existsSync(spec) &&
    JSON.parse(fs.readFileSync(spec, 'utf8')).argv.includes(launcher)
  );
}
