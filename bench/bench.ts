// `npm run bench [-- --json] [-- --rounds N] [-- --only step,bigbigan,pool,knn,export,tsne | tsne70k]`: our figures
// beside their peers', measured in one run, honest on a noisy machine.
//
// Every timing runs in a fresh process. Ours and the peer's alternate, round after round (the order flips each
// round), and each side reports min / median / max; ratios compare medians. Around every run the host's CPU
// accounting (/proc/stat) gives the share of time stolen by other virtual machines; the load average before the
// bench and any run with more than 5% steal are reported as warnings, since both make ratios wrong.
//
// 1. One BiGAN training step (the paper preset: reproduction MLPs, batch 128, Adam) on native TensorFlow beside the
//    same step in PyTorch (bench/peers/bigan_step.py) at 1 thread and at all threads; the slower backends once.
// 2. One BigBiGAN step (the ablation table's Base: convolutional, spectral norm, hinge losses, batch 64) beside
//    the same model in PyTorch (bench/peers/bigbigan_step.py).
// 3. A sweep's throughput: BigBiGAN steps a second of the whole machine, one process at all threads against one
//    single-threaded process a core (the job pool's layout), ours and PyTorch's.
// 4. 1-nearest-neighbour accuracy of raw pixels (60,000 train -> 10,000 test) beside FAISS's exact IndexFlatL2 and
//    scikit-learn's brute-force KNeighborsClassifier; the accuracies must agree.
// 5. Headless export of a 10,000-point class scatter (a t-SNE map's size) to SVG and PNG.
// 6. t-SNE of the 10,000 test images (PCA to 50 dimensions) beside scikit-learn's Barnes-Hut TSNE on the same
//    input: time, final KL divergence, the 5NN accuracy of each 2-D map, peak memory.
// 7. Only with --only tsne70k: t-SNE of all 70,000 digits (PCA-50), one round (it takes many minutes).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BACKEND_ORDER, type BackendName, initBackend } from '../lib/backend/backend.js';
import { defaultMnistDir, loadMnist, PIXELS } from '../lib/data/mnist.js';
import { mapAccuracy } from '../lib/tsne/latent-map.js';
import { pca } from '../lib/eval/pca.js';
import { projectRoot } from '../lib/util/paths.js';
import { classScatterFigure } from '../lib/plots/charts.js';
import { figureToSvg, svgToPng } from '../lib/plots/export.js';
import { findPython } from './python.js';

const { values: flags } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '5' },
    only: { type: 'string', default: 'step,bigbigan,pool,knn,export,tsne' },
  },
});
const only = new Set(flags.only!.split(','));
const rounds = Number(flags.rounds);
if (!Number.isInteger(rounds) || rounds < 1)
  throw new Error(`--rounds must be a whole number >= 1, got ${flags.rounds}`);
const root = projectRoot();
const STEAL_WARNING = 0.05;

interface Line {
  [key: string]: unknown;
}
function emit(line: Line, text: string): void {
  if (flags.json) console.log(JSON.stringify(line));
  else console.log(text);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** CPU time counters of the whole host (Linux); null elsewhere. */
function cpuTimes(): number[] | null {
  try {
    return fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  } catch {
    return null;
  }
}

interface Run {
  json: Record<string, unknown>;
  /** Share of the host's CPU time stolen by other virtual machines during the run, null when unknown. */
  steal: number | null;
}

/** Runs a command that prints one JSON line last; an error names the command and its last stderr line. */
function measure(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const before = cpuTimes();
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  const after = cpuTimes();
  const last = result.stdout?.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !last.startsWith('{')) {
    const lines = result.stderr?.trim().split('\n') ?? [];
    const why = lines.find((l) => /cannot load|Error:/.test(l)) ?? lines.pop() ?? result.error?.message ?? 'failed';
    throw new Error(`${path.basename(args.find((a) => /\.(ts|py)$/.test(a)) ?? command)}: ${why}`);
  }
  let steal: number | null = null;
  if (before && after) {
    const delta = after.map((v, i) => v - before[i]);
    const total = delta.slice(0, 8).reduce((a, b) => a + b, 0);
    steal = total > 0 ? (delta[7] ?? 0) / total : 0;
  }
  return { json: JSON.parse(last), steal };
}

interface Contender {
  label: string;
  run: () => Run;
  /** The figure compared, lower is better. */
  value: (json: Record<string, unknown>) => number;
}

interface Tally {
  label: string;
  values: number[];
  runs: Record<string, unknown>[];
  steal: number[];
}

/** Runs every contender once per round, alternating the order each round. */
function duel(contenders: Contender[], count: number): Tally[] {
  const tallies = contenders.map((c) => ({ label: c.label, values: [], runs: [], steal: [] }) as Tally);
  for (let round = 0; round < count; round++) {
    const order = contenders.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const run = contenders[i].run();
      tallies[i].values.push(contenders[i].value(run.json));
      tallies[i].runs.push(run.json);
      if (run.steal !== null) tallies[i].steal.push(run.steal);
    }
  }
  return tallies;
}

function spread(t: Tally, unit: string, digits: number): string {
  const f = (v: number) => v.toFixed(digits);
  return `min ${f(Math.min(...t.values))}  median ${f(median(t.values))}  max ${f(Math.max(...t.values))} ${unit}`;
}

function stealNote(tallies: Tally[]): string {
  const worst = Math.max(0, ...tallies.flatMap((t) => t.steal));
  return worst > STEAL_WARNING
    ? `  WARNING: up to ${(worst * 100).toFixed(0)}% of the CPU was stolen by other VMs during a run`
    : '';
}

/** Prints each side's spread and the ratio of our median to the best peer's. */
function report(bench: string, unit: string, digits: number, ours: Tally, peers: Tally[], extra: Line = {}): void {
  const best = peers.reduce((a, b) => (median(b.values) < median(a.values) ? b : a));
  const ratio = median(ours.values) / median(best.values);
  for (const t of [ours, ...peers]) {
    emit(
      {
        bench,
        side: t.label,
        values: t.values,
        min: Math.min(...t.values),
        median: median(t.values),
        max: Math.max(...t.values),
        maxSteal: Math.max(0, ...t.steal),
      },
      `${bench.padEnd(13)} ${t.label.padEnd(26)} ${spread(t, unit, digits)}`,
    );
  }
  emit(
    { bench, ratio, against: best.label, rounds: ours.values.length, ...extra },
    `${''.padEnd(13)} ratio ${ratio.toFixed(2)}x ${best.label} (medians of ${ours.values.length} rounds)${stealNote([ours, ...peers])}`,
  );
}

const tsx = (script: string, args: string[]) => ['--import', 'tsx', path.join(root, 'bench', script), ...args];

// Slow backends take seconds a step, so they get fewer steps.
const STEPS: Record<BackendName, [number, number]> = {
  'tensorflow-gpu': [5, 30],
  webgpu: [5, 30],
  tensorflow: [5, 30],
  wasm: [1, 3],
  cpu: [1, 2],
};

function stepContender(model: string, backend: BackendName): Contender {
  const [warmup, steps] = STEPS[backend];
  return {
    label: `ours (${backend})`,
    run: () =>
      measure(process.execPath, tsx('step.ts', [model, String(warmup), String(steps)]), {
        ...process.env,
        BIGAN_BACKEND: backend,
      }),
    value: (json) => {
      if (json.finite !== true) throw new Error(`${model} step on ${backend}: non-finite losses`);
      if (json.leakedTensors !== 0)
        throw new Error(`${model} step on ${backend}: ${json.leakedTensors} tensors leaked`);
      return json.msPerStep as number;
    },
  };
}

function pytorchContenders(peer: string): Contender[] {
  const python = findPython('torch');
  if (!python) return [];
  return [...new Set([1, os.availableParallelism()])].map((threads) => ({
    label: `PyTorch ${threads} thread${threads > 1 ? 's' : ''}`,
    run: () => measure(python, [path.join(root, 'bench', 'peers', peer), '--threads', String(threads)]),
    value: (json) => json.msPerStep as number,
  }));
}

/** The best native backend that loads, and one timing of each slower one. */
function benchStep(model: 'bigan' | 'bigbigan', bench: string): void {
  let native: BackendName | null = null;
  for (const backend of BACKEND_ORDER) {
    const isNative = backend === 'tensorflow-gpu' || backend === 'tensorflow';
    // The first native backend that loads is compared with PyTorch; the slow ones are timed once, BiGAN's only.
    if ((isNative && native) || (!isNative && model === 'bigbigan')) continue;
    try {
      const once = duel([stepContender(model, backend)], 1)[0];
      if (isNative) native = backend;
      else
        emit(
          { bench, side: `ours (${backend})`, values: once.values },
          `${bench.padEnd(13)} ${`ours (${backend})`.padEnd(26)} ${once.values[0].toFixed(0)} ms (one run)`,
        );
    } catch (error) {
      emit(
        { bench, side: `ours (${backend})`, skipped: (error as Error).message },
        `${bench.padEnd(13)} ${`ours (${backend})`.padEnd(26)} skipped: ${(error as Error).message}`,
      );
    }
  }
  if (!native) return;
  const peers = pytorchContenders(model === 'bigan' ? 'bigan_step.py' : 'bigbigan_step.py');
  const [ours, ...theirs] = duel([stepContender(model, native), ...peers], rounds);
  if (theirs.length === 0) {
    emit(
      { bench, side: ours.label, values: ours.values },
      `${bench.padEnd(13)} ${ours.label.padEnd(26)} ${spread(ours, 'ms', 1)}`,
    );
    emit(
      { bench, peer: 'pytorch', skipped: 'no Python with torch' },
      `${''.padEnd(13)} PyTorch: not importable (apt install python3-torch)`,
    );
    return;
  }
  report(bench, 'ms', 1, ours, theirs);
}

/**
 * The peers of the 1NN bench, each where it can be imported: scikit-learn's brute force (Debian's python3) and
 * FAISS's exact IndexFlatL2 (.venv, where `npm run setup` installs it), which is what the field uses.
 */
function nearestNeighbourPeers(): Contender[] {
  const peers: Contender[] = [];
  const sklearn = findPython('sklearn');
  if (sklearn)
    peers.push({
      label: 'scikit-learn',
      run: () => measure(sklearn, [path.join(root, 'bench', 'peers', 'knn_sklearn.py'), defaultMnistDir()]),
      value: (json) => json.seconds as number,
    });
  const venv = path.join(root, '.venv', 'bin', 'python');
  const faiss = fs.existsSync(venv) ? findPython('faiss', [venv]) : null;
  if (faiss)
    peers.push({
      label: 'FAISS IndexFlatL2',
      run: () => measure(faiss, [path.join(root, 'bench', 'peers', 'knn_faiss.py'), defaultMnistDir()]),
      value: (json) => json.seconds as number,
    });
  return peers;
}

function benchNearestNeighbour(): void {
  const ours: Contender = {
    label: 'ours',
    run: () => measure(process.execPath, tsx('task.ts', ['knn'])),
    value: (json) => json.seconds as number,
  };
  const peers = nearestNeighbourPeers();
  if (peers.length === 0) {
    const [t] = duel([ours], rounds);
    emit(
      { bench: 'knn-pixels', side: 'ours', values: t.values },
      `1NN pixels    ours  ${spread(t, 's', 2)}   scikit-learn and FAISS: not importable`,
    );
    return;
  }
  const [a, ...others] = duel([ours, ...peers], rounds);
  const accuracies = new Set([a, ...others].flatMap((t) => t.runs.map((r) => r.accuracy)));
  if (accuracies.size !== 1)
    throw new Error(`1NN accuracies differ between runs or from the peers': ${[...accuracies]}`);
  // Each peer's ratio on its own line: FAISS is the bar, scikit-learn the familiar reference.
  report('1NN pixels', 's', 2, a, others, { accuracy: [...accuracies][0] });
  const best = Math.min(...others.map((t) => median(t.values)));
  for (const peer of others.filter((t) => median(t.values) !== best))
    emit(
      { bench: '1NN pixels', ratio: median(a.values) / median(peer.values), against: peer.label },
      `${''.padEnd(13)} ratio ${(median(a.values) / median(peer.values)).toFixed(2)}x ${peer.label}`,
    );
  emit(
    { bench: '1NN pixels', accuracy: [...accuracies][0] },
    `${''.padEnd(13)} all ${((a.runs[0].accuracy as number) * 100).toFixed(2)}% on 60,000 -> 10,000`,
  );
}

/** Runs `count` copies of a command at once; each prints one JSON line with its msPerStep. */
async function concurrently(command: string, args: string[], env: NodeJS.ProcessEnv, count: number): Promise<number[]> {
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('exit', (code) => {
        const last = out.trim().split('\n').pop() ?? '';
        if (code === 0 && last.startsWith('{')) resolve((JSON.parse(last) as { msPerStep: number }).msPerStep);
        else reject(new Error(`${path.basename(args.find((a) => /\.(ts|py)$/.test(a)) ?? command)} failed (${code})`));
      });
    });
  return Promise.all(Array.from({ length: count }, one));
}

/**
 * A sweep's throughput: BigBiGAN steps a second of the whole machine, for ours and PyTorch, as one process and as
 * one single-threaded process a core (what the job pool runs). Independent runs of a sweep fill the machine either
 * way; this says which way gets more done, and how ours compares with PyTorch's best way.
 */
async function benchPool(): Promise<void> {
  const cores = os.availableParallelism();
  const one = { TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '1', OMP_NUM_THREADS: '1' };
  const ours = (threads: number) => ({
    command: process.execPath,
    args: tsx('step.ts', ['bigbigan', '10', '30']),
    env: { ...process.env, BIGAN_BACKEND: 'tensorflow', ...(threads === 1 ? one : {}) },
  });
  const python = findPython('torch');
  const theirs = (threads: number) => ({
    command: python!,
    args: [path.join(root, 'bench', 'peers', 'bigbigan_step.py'), '--threads', String(threads)],
    env: process.env,
  });
  const layouts = [
    { label: `ours 1 x all threads`, ...ours(0), count: 1 },
    { label: `ours ${cores} x 1 thread`, ...ours(1), count: cores },
    ...(python
      ? [
          { label: 'PyTorch 1 x 1 thread', ...theirs(1), count: 1 },
          { label: `PyTorch ${cores} x 1 thread`, ...theirs(1), count: cores },
        ]
      : []),
  ];
  const tallies = layouts.map((l) => ({ label: l.label, values: [] as number[] }));
  for (let round = 0; round < Math.min(rounds, 3); round++) {
    const order = layouts.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const l = layouts[i];
      const times = await concurrently(l.command, l.args, l.env, l.count);
      tallies[i].values.push(times.reduce((sum, ms) => sum + 1000 / ms, 0));
    }
  }
  for (const t of tallies)
    emit(
      { bench: 'pool', side: t.label, stepsPerSecond: t.values, median: median(t.values) },
      `${'sweep'.padEnd(13)} ${t.label.padEnd(26)} ${median(t.values).toFixed(1)} BigBiGAN steps/s (median of ${t.values.length})`,
    );
  const [single, pooled, ...peers] = tallies.map((t) => median(t.values));
  const best = peers.length ? Math.max(...peers) : null;
  emit(
    { bench: 'pool', poolSpeedup: pooled / single, againstPytorchBest: best && pooled / best },
    `${''.padEnd(13)} the pool does ${(pooled / single).toFixed(2)}x one process's work` +
      (best ? `; ${(pooled / best).toFixed(2)}x PyTorch's best layout` : ''),
  );
}

async function benchFigureExport(): Promise<void> {
  const mnist = loadMnist();
  const n = 10000;
  const points = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const angle = (mnist.test.labels[i] / 10) * 2 * Math.PI;
    points[2 * i] = Math.cos(angle) * 10 + Math.sin(i * 12.9898) * 2;
    points[2 * i + 1] = Math.sin(angle) * 10 + Math.cos(i * 78.233) * 2;
  }
  const figure = classScatterFigure(points, mnist.test.labels.subarray(0, n), { title: '10,000 points' });
  await figureToSvg(classScatterFigure(points.subarray(0, 20), mnist.test.labels.subarray(0, 10)));
  const started = performance.now();
  const svg = await figureToSvg(figure);
  const svgSeconds = (performance.now() - started) / 1000;
  const pngStarted = performance.now();
  svgToPng(svg);
  const pngSeconds = (performance.now() - pngStarted) / 1000;
  emit(
    { bench: 'figure-export', points: n, svgSeconds, pngSeconds, svgBytes: svg.length },
    `export        10,000-point scatter: SVG ${svgSeconds.toFixed(2)} s (${(svg.length / 1e6).toFixed(1)} MB), PNG from it ${pngSeconds.toFixed(2)} s`,
  );
}

/** t-SNE of the first n digits (test set first, then train), PCA to 50 dimensions, ours beside scikit-learn's. */
function benchTsne(n: number, count: number): void {
  const bench = `t-SNE ${n / 1000}k`;
  const mnist = loadMnist();
  const images = new Float32Array(n * PIXELS);
  images.set(mnist.test.images.subarray(0, Math.min(n, mnist.test.count) * PIXELS));
  if (n > mnist.test.count)
    images.set(mnist.train.images.subarray(0, (n - mnist.test.count) * PIXELS), mnist.test.count * PIXELS);
  const labels = new Uint8Array(n);
  labels.set(mnist.test.labels.subarray(0, Math.min(n, mnist.test.count)));
  if (n > mnist.test.count) labels.set(mnist.train.labels.subarray(0, n - mnist.test.count), mnist.test.count);
  const input = pca({ values: images, count: n, dim: PIXELS }, 50).projected;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsne-bench-'));
  const inputFile = path.join(dir, 'input.f32');
  fs.writeFileSync(inputFile, Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  const mapAccuracyOf = (file: string) => {
    const bytes = fs.readFileSync(file);
    return mapAccuracy(new Float64Array(bytes.buffer, bytes.byteOffset, 2 * n), labels);
  };
  const contender = (label: string, command: string, args: string[]): Contender => ({
    label,
    run: () => {
      const run = measure(command, args);
      return { ...run, json: { ...run.json, knn5: mapAccuracyOf(args[args.length - 1]) } };
    },
    value: (json) => json.seconds as number,
  });
  const contenders = [
    contender(
      'ours',
      process.execPath,
      tsx('task.ts', ['tsne', inputFile, String(n), '50', path.join(dir, 'ours.f64')]),
    ),
  ];
  const python = findPython('sklearn');
  if (python)
    contenders.push(
      contender('scikit-learn', python, [
        path.join(root, 'bench', 'peers', 'tsne_sklearn.py'),
        inputFile,
        String(n),
        '50',
        path.join(dir, 'peer.f64'),
      ]),
    );
  try {
    const tallies = duel(contenders, count);
    const describe = (t: Tally) => {
      const kl = median(t.runs.map((r) => r.kl as number));
      const knn5 = median(t.runs.map((r) => r.knn5 as number));
      const peak = Math.max(...t.runs.map((r) => r.peakMegabytes as number));
      return {
        kl,
        knn5,
        peak,
        text: `KL ${kl.toFixed(3)}, 5NN ${(knn5 * 100).toFixed(2)}%, peak ${peak.toFixed(0)} MB`,
      };
    };
    if (tallies.length === 1) {
      emit(
        { bench, side: 'ours', values: tallies[0].values },
        `${bench.padEnd(13)} ours  ${spread(tallies[0], 's', 1)}  ${describe(tallies[0]).text}   scikit-learn: not importable`,
      );
      return;
    }
    const [ours, peer] = tallies.map(describe);
    report(bench, 's', 1, tallies[0], [tallies[1]], { klRatio: ours.kl / peer.kl, ours, peer });
    emit(
      { bench, klRatio: ours.kl / peer.kl },
      `${''.padEnd(13)} ours ${ours.text}; scikit-learn ${peer.text}; KL ratio ${(ours.kl / peer.kl).toFixed(3)}`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Share of the CPU that other processes keep busy while the bench waits two seconds; null where unknown. */
async function busyShare(): Promise<number | null> {
  const before = cpuTimes();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const after = cpuTimes();
  if (!before || !after) return null;
  const delta = after.map((v, i) => v - before[i]);
  const total = delta.slice(0, 8).reduce((a, b) => a + b, 0);
  return total > 0 ? 1 - (delta[3] + delta[4]) / total : null;
}

// The maps' 5NN accuracy and the figure export run in this process.
await initBackend();
const load = os.loadavg()[0];
const busy = await busyShare();
emit(
  { bench: 'machine', cpu: os.cpus()[0]?.model, threads: os.availableParallelism(), loadAverage: load, busy, rounds },
  `bench on ${os.cpus()[0]?.model} (${os.availableParallelism()} threads), load average ${load.toFixed(2)}` +
    `${busy === null ? '' : `, ${(busy * 100).toFixed(0)}% of the CPU busy before the start`}, ${rounds} rounds`,
);
// The load average lingers for minutes after a command ends, so only the CPU measured busy decides the warning.
if ((busy ?? 0) > 0.1)
  emit(
    { warning: 'busy', loadAverage: load, busy },
    'WARNING: something else is running on this machine: the figures below will be wrong',
  );
if (!flags.json) console.log('');
if (only.has('step')) benchStep('bigan', 'BiGAN step');
if (only.has('bigbigan')) benchStep('bigbigan', 'BigBiGAN step');
if (only.has('pool')) await benchPool();
if (only.has('knn')) benchNearestNeighbour();
if (only.has('export')) await benchFigureExport();
if (only.has('tsne')) benchTsne(10000, rounds);
if (only.has('tsne70k')) benchTsne(70000, 1);
