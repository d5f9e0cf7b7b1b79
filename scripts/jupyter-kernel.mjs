// The project's Jupyter kernel: tslab started from the project root by scripts/tslab-kernel.cjs. Written by
// `npm run setup`, checked by `npm run notebooks`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const KERNEL_NAME = 'bigan-tslab';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const launcher = path.join(root, 'scripts', 'tslab-kernel.cjs');

/** Where Jupyter looks for the user's kernelspecs. */
export function kernelSpecDir() {
  const dataDir = process.env.JUPYTER_DATA_DIR ?? path.join(os.homedir(), '.local', 'share', 'jupyter');
  return path.join(dataDir, 'kernels', KERNEL_NAME);
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
  return dir;
}

/** True when the registered kernel is this checkout's. */
export function kernelRegistered() {
  const spec = path.join(kernelSpecDir(), 'kernel.json');
  return fs.existsSync(spec) && JSON.parse(fs.readFileSync(spec, 'utf8')).argv.includes(launcher);
}
