import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../backend/backend.js';
import { timeSteps } from '../training/step-probe.js';
import { writeFileAtomic } from '../util/atomic.js';
import { threadEnvironment } from '../util/job-pool.js';
import { readJsonFile } from '../util/json-file.js';
import { biganArgv } from './slurm.js';
import { defineCommand } from './command.js';

/** One way of filling the machine: `processes` runs at once, each with `threads` threads (0: TensorFlow's default). */
export interface Layout {
  processes: number;
  threads: number;
  /** Each process's time per BigBiGAN step (the ablation table's Base). */
  msPerStep: number;
  /** Steps a second of the whole machine: what a sweep of independent runs gets done. */
  stepsPerSecond: number;
}

/** The probe's answer for this machine: one process at all threads against one single-threaded process a core. */
export interface Throughput {
  machine: string;
  measuredAt: string;
  oneProcess: Layout;
  perCore: Layout;
  /** The faster of the two: the job pool's default. */
  best: 'oneProcess' | 'perCore';
}

const WARMUP = 10;
const STEPS = 30;

/** `bigan step-probe`: the child the throughput probe starts; prints its time per step as one JSON line. */
export async function stepProbeCommand(): Promise<number> {
  await initBackend();
  console.log(JSON.stringify(timeSteps('bigbigan', WARMUP, STEPS)));
  return 0;
}

/** The CPU model and core count: a measurement holds for the machine it was taken on, and is keyed by it. */
function machineKey(): string {
  return `${os.cpus()[0]?.model ?? 'unknown CPU'} x${os.availableParallelism()}`;
}

function cacheFile(): string {
  const dir =
    process.env.BIGAN_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'bigan-notebooks');
  const key = createHash('sha256').update(machineKey()).digest('hex').slice(0, 12);
  return path.join(dir, `throughput-${key}.json`);
}

/** Starts `processes` probes at once, each limited to `threads`, and returns their mean time per step. */
async function probe(processes: number, threads: number): Promise<Layout> {
  const [program, ...args] = biganArgv(['step-probe']);
  const times = await Promise.all(
    Array.from(
      { length: processes },
      () =>
        new Promise<number>((resolve, reject) => {
          const child = spawn(program, args, {
            env: { ...process.env, ...threadEnvironment(threads) },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let out = '';
          let err = '';
          child.stdout.on('data', (d) => (out += d));
          child.stderr.on('data', (d) => (err += d));
          child.on('exit', (code) => {
            const last = out.trim().split('\n').pop() ?? '';
            if (code === 0 && last.startsWith('{')) resolve((JSON.parse(last) as { msPerStep: number }).msPerStep);
            else reject(new Error(`the step probe failed (exit ${code}): ${err.trim().split('\n').pop()}`));
          });
        }),
    ),
  );
  const msPerStep = times.reduce((a, b) => a + b, 0) / times.length;
  return { processes, threads, msPerStep, stepsPerSecond: times.reduce((s, t) => s + 1000 / t, 0) };
}

/** Measures both layouts on this machine (about 20 seconds) and remembers the answer in the user's cache. */
export async function measureThroughput(): Promise<Throughput> {
  const cores = os.availableParallelism();
  const oneProcess = await probe(1, 0);
  const perCore = await probe(cores, 1);
  const result: Throughput = {
    machine: machineKey(),
    measuredAt: new Date().toISOString(),
    oneProcess,
    perCore,
    best: perCore.stepsPerSecond > oneProcess.stepsPerSecond ? 'perCore' : 'oneProcess',
  };
  const file = cacheFile();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, JSON.stringify(result, null, 1));
  return result;
}

/** The measurement remembered for this machine, or null when it was never taken here. */
export function cachedThroughput(): Throughput | null {
  const cached = readJsonFile(cacheFile(), null) as Throughput | null;
  return cached?.machine === machineKey() && cached.perCore && cached.oneProcess ? cached : null;
}

/** The layout as one line: "2 x 1 thread: 10.5 steps/s (190 ms a step each)". */
export function describeLayout(layout: Layout): string {
  const threads = layout.threads === 0 ? 'all threads' : `${layout.threads} thread${layout.threads > 1 ? 's' : ''}`;
  return (
    `${layout.processes} x ${threads}: ${layout.stepsPerSecond.toFixed(1)} steps/s ` +
    `(${layout.msPerStep.toFixed(0)} ms a step each)`
  );
}

/**
 * How many runs a sweep runs at once and with how many threads each, when `--jobs` and `--threads-per-job` are not
 * given: the faster layout this machine measured (measured now, once, when it never was). `--jobs` alone gets one
 * thread a job when it fills the cores, all threads otherwise.
 */
export async function poolLayout(jobs?: number, threads?: number): Promise<{ jobs: number; threads: number }> {
  const cores = os.availableParallelism();
  if (jobs !== undefined) return { jobs, threads: threads ?? (jobs >= cores ? 1 : 0) };
  let measured = cachedThroughput();
  if (!measured) {
    console.error('measuring this machine once for the job pool: one process at all threads against one a core');
    measured = await measureThroughput();
    console.error(`  ${describeLayout(measured.oneProcess)}; ${describeLayout(measured.perCore)}`);
  }
  const best = measured[measured.best];
  return { jobs: best.processes, threads: threads ?? best.threads };
}

/** `bigan step-probe`, which {@link measureThroughput} starts: not a user's command. */
export const stepProbeCli = defineCommand({
  name: 'step-probe',
  summary: "times BigBiGAN's training step (the throughput probe's child process)",
  usage: 'bigan step-probe\n\nPrints the time per training step as one JSON line.',
  hidden: true,
  options: {},
  run: () => stepProbeCommand(),
});
