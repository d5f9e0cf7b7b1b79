// The GPU check's program, shared by `npm run gpu-check` on a machine with a GPU and by the self-contained bundle
// (bench/gpu-bundle-main.ts) that `npm run gpu-check -- --bundle DIR` writes for machines without Node.js: the
// backend chosen and why the faster ones were skipped, the BiGAN paper step on it beside the best CPU backend, and
// a short training run of the quick preset's BiGAN whose losses must stay finite.
import * as tf from '@tensorflow/tfjs';
import { type BackendName, type BackendReport, loadBackend } from '../lib/backend/backend.js';
import type { MnistSplit } from '../lib/data/mnist.js';
import { stepRunner } from '../lib/training/step-probe.js';

export interface GpuCheckOptions {
  /** Timed BiGAN paper steps on each backend (after warm-up); 0 skips the timing. */
  paperSteps: number;
  /** Steps of the quick preset's BiGAN in the training run. */
  trainSteps: number;
}

export const GPU_BACKENDS: readonly BackendName[] = ['tensorflow-gpu', 'webgpu'];
/** The CPU backends the step is compared with, best first (the bundle has only the plain JavaScript one). */
const CPU_BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** Milliseconds per paper-preset step on the current backend, after `warmup` steps, or null when steps is 0. */
async function paperStepMs(train: MnistSplit, warmup: number, steps: number): Promise<number | null> {
  if (steps === 0) return null;
  const runner = stepRunner('bigan', train);
  try {
    for (let i = 0; i < warmup; i++) runner.run(i);
    const start = performance.now();
    for (let i = 0; i < steps; i++) runner.run(warmup + i);
    return (performance.now() - start) / steps;
  } finally {
    runner.dispose();
  }
}

/** Prints the check's report; returns whether the training run's losses all stayed finite. */
export async function runGpuCheck(
  train: MnistSplit,
  report: BackendReport,
  options: GpuCheckOptions,
  print: (line: string) => void = console.log,
): Promise<boolean> {
  const onGpu = GPU_BACKENDS.includes(report.backend);
  print(`backend: ${report.backend} (${report.devices.join('; ')})${onGpu ? '' : ' - no GPU backend loaded'}`);
  for (const s of report.skipped) print(`  skipped ${s.backend}: ${s.cause}`);

  // Slow backends take seconds a step (plain JavaScript about 36 s for the paper step), so they get fewer.
  const steps = (backend: BackendName) =>
    GPU_BACKENDS.includes(backend) || backend === 'tensorflow' ? options.paperSteps : Math.min(1, options.paperSteps);
  const chosen = await paperStepMs(train, Math.min(3, steps(report.backend)), steps(report.backend));
  if (chosen !== null) print(`BiGAN paper step on ${report.backend}: ${chosen.toFixed(1)} ms`);

  const trainRun = () => {
    const runner = stepRunner('quick', train);
    const losses: Record<string, number>[] = [];
    const start = performance.now();
    try {
      for (let i = 0; i < options.trainSteps; i++) losses.push(runner.run(i));
    } finally {
      runner.dispose();
    }
    return { losses, ms: (performance.now() - start) / Math.max(1, options.trainSteps) };
  };
  const { losses, ms } = trainRun();
  const every = Math.max(1, Math.floor(options.trainSteps / 5));
  for (let i = every - 1; i < losses.length; i += every) {
    const parts = Object.entries(losses[i])
      .filter(([k]) => !k.endsWith('/total'))
      .map(([k, v]) => `${k} ${v.toFixed(3)}`);
    print(`  step ${i + 1}/${options.trainSteps}: ${parts.join('  ')}`);
  }
  const finite = losses.every((l) => Object.values(l).every(Number.isFinite));
  print(
    `training on ${report.backend}: ${options.trainSteps} steps of the quick BiGAN, ${ms.toFixed(1)} ms a step, ` +
      `losses ${finite ? 'all finite' : 'NOT FINITE'}`,
  );

  if (onGpu && chosen !== null) {
    for (const backend of CPU_BACKENDS) {
      try {
        await loadBackend(backend);
      } catch (error) {
        print(`  CPU backend ${backend} not available: ${(error as Error).message.split('\n')[0]}`);
        continue;
      }
      const cpu = await paperStepMs(train, Math.min(3, steps(backend)), steps(backend));
      if (cpu !== null)
        print(
          `BiGAN paper step on ${backend} (CPU): ${cpu.toFixed(1)} ms; ${report.backend} is ${(cpu / chosen).toFixed(1)}x faster`,
        );
      break;
    }
  }
  tf.disposeVariables();
  return finite;
}
