// `npm run gpu-check`: on a machine with a GPU backend (CUDA TensorFlow or WebGPU), trains on it and times the BiGAN
// step beside the CPU; elsewhere says in one line that there is no GPU and why, and exits 0.
// `npm run gpu-check -- --bundle DIR`: writes the self-contained check for GPU machines without Node.js (see
// bench/gpu-bundle.ts); copy DIR there and run `sh DIR/run.sh`.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../lib/backend/backend.js';
import { loadMnist } from '../lib/data/mnist.js';
import { GPU_BACKENDS, runGpuCheck } from './gpu-check-run.js';
import { BUNDLE_LIMIT_BYTES, writeGpuBundle } from './gpu-bundle.js';

const { values } = parseArgs({ options: { bundle: { type: 'string' } } });
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
if (values.bundle) {
  const dir = path.resolve(values.bundle);
  const { bytes, files } = writeGpuBundle(dir);
  const within = bytes <= BUNDLE_LIMIT_BYTES;
  console.log(
    `${dir}: ${Object.entries(files)
      .map(([f, b]) => `${f} ${mib(b)}`)
      .join(', ')}; ${mib(bytes)} in all, ${within ? 'within' : 'OVER'} the ${mib(BUNDLE_LIMIT_BYTES)} limit`,
  );
  console.log(`run it on the GPU machine with: sh ${path.basename(dir)}/run.sh`);
  process.exit(within ? 0 : 1);
}
const report = await initBackend();
if (!GPU_BACKENDS.includes(report.backend)) {
  const why = report.forced
    ? `BIGAN_BACKEND chose ${report.backend}`
    : report.skipped
        .filter((s) => GPU_BACKENDS.includes(s.backend))
        .map((s) => `${s.backend}: ${s.cause}`)
        .join('; ');
  console.log(`gpu-check: no GPU here (${why}); this machine trains on ${report.backend}`);
  process.exit(0);
}
const finite = await runGpuCheck(loadMnist().train, report, { paperSteps: 10, trainSteps: 200 });
process.exit(finite ? 0 : 1);
