// Writes the GPU check's self-contained bundle: what a GPU machine without Node.js and without network needs to run
// bench/gpu-bundle-main.ts, packed under the 64 MiB such a machine receives.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { loadMnist, PIXELS } from '../lib/data/mnist.js';
import { writeFolderAtomic } from '../lib/util/atomic.js';
import { packageFolder, projectRoot } from '../lib/util/paths.js';

export const BUNDLE_LIMIT_BYTES = 64 * 2 ** 20;
/** Training digits shipped: enough batches for the check's runs, a few MB. */
const SUBSET = 8192;

const RUN_SH = `#!/bin/sh
# The GPU check (bench/gpu-check.ts of bigan-notebooks): unpacks Node.js, the check and Dawn into a temporary
# folder and runs it. Usage: sh run.sh [--paper-steps N] [--train-steps N]. Needs only tar, gzip and a Vulkan
# driver for the GPU (or CUDA for nothing: the bundle has no TensorFlow; its GPU route is WebGPU).
set -e
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "\${TMPDIR:-/tmp}/gpu-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar -xzf "$here/payload.tar.gz" -C "$work"
cd "$work/payload"
status=0
./node check.mjs "$@" || status=$?
exit $status
`;

/**
 * Writes DIR (replacing it) with run.sh and payload.tar.gz: this Node.js binary, the check bundled with the library
 * and TensorFlow.js (tfjs-backend-webgpu and the plain JavaScript CPU backend; native TensorFlow's hundreds of MB
 * stay behind), Dawn's linux-x64 `dawn.node` from the `webgpu` package, and the first training digits. Returns the
 * folder's size.
 */
export function writeGpuBundle(dir: string): { bytes: number; files: Record<string, number> } {
  const webgpu = packageFolder('webgpu');
  const mnist = loadMnist().train;
  writeFolderAtomic(
    dir,
    (tmp) => {
      const payload = path.join(tmp, 'payload');
      fs.mkdirSync(path.join(payload, 'node_modules', 'webgpu', 'dist', 'linux-x64'), { recursive: true });
      fs.copyFileSync(process.execPath, path.join(payload, 'node'));
      fs.chmodSync(path.join(payload, 'node'), 0o755);
      for (const file of ['package.json', 'index.js', path.join('dist', 'linux-x64', 'dawn.node')])
        fs.copyFileSync(path.join(webgpu, file), path.join(payload, 'node_modules', 'webgpu', file));
      buildSync({
        entryPoints: [path.join(projectRoot(), 'bench', 'gpu-bundle-main.ts')],
        outfile: path.join(payload, 'check.mjs'),
        bundle: true,
        minify: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        // Native TensorFlow and the wasm backend's binaries are not shipped; Dawn is loaded from node_modules.
        external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-wasm', 'webgpu'],
        // The CommonJS parts of TensorFlow.js call require().
        banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
        logLevel: 'error',
      });
      // The library finds its project root by this package name.
      fs.writeFileSync(
        path.join(payload, 'package.json'),
        `${JSON.stringify({ name: 'bigan-notebooks', private: true, type: 'module' })}\n`,
      );
      const subset = Buffer.alloc(SUBSET * (PIXELS + 1));
      for (let i = 0; i < SUBSET * PIXELS; i++) subset[i] = Math.round(mnist.images[i] * 255);
      subset.set(mnist.labels.subarray(0, SUBSET), SUBSET * PIXELS);
      fs.writeFileSync(path.join(payload, 'mnist-subset.bin'), subset);
      execFileSync('tar', ['-czf', path.join(tmp, 'payload.tar.gz'), '-C', tmp, 'payload']);
      fs.rmSync(payload, { recursive: true });
      fs.writeFileSync(path.join(tmp, 'run.sh'), RUN_SH, { mode: 0o755 });
    },
    { replace: true },
  );
  const files = Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.statSync(path.join(dir, f)).size]));
  return { bytes: Object.values(files).reduce((a, b) => a + b, 0), files };
}
