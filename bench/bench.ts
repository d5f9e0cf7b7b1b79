// `npm run bench [-- --json] [-- --rounds N]`: figures side by side with their peers, measured in one run.
//
// 1. One BiGAN training step (reproduction MLPs, batch 128, D update then E+G update, Adam) on every backend
//    that loads, each in its own process (bench/step.ts), and the same step in PyTorch on the CPU
//    (bench/peers/bigan_step.py) when a Python with torch is found. Native TensorFlow and PyTorch alternate
//    for `rounds` rounds and the medians are compared, because this two-core machine's timings drift.
// 2. 1-nearest-neighbour accuracy of raw pixels (60,000 train -> 10,000 test), ours on the best backend beside
//    scikit-learn's brute-force KNeighborsClassifier.
// 3. Headless export of a 10,000-point class scatter (a t-SNE map's size) to SVG and PNG.
// 4. t-SNE of the 10,000 test images (PCA to 50 dimensions): ours beside scikit-learn's Barnes-Hut TSNE on the
//    same input, with time, final KL divergence and the 5-nearest-neighbour accuracy of each 2-D map (train on the
//    first 5,000 points, test on the rest).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BACKEND_ORDER, type BackendName, initBackend } from '../lib/backend/backend.js';
import { defaultMnistDir, loadMnist, PIXELS } from '../lib/data/mnist.js';
import { nearestNeighbourAccuracy } from '../lib/eval/knn.js';
import { mapAccuracy } from '../lib/tsne/latent-map.js';
import { pca } from '../lib/eval/pca.js';
import { tsne } from '../lib/tsne/tsne.js';
import { projectRoot } from '../lib/util/paths.js';
import { classScatterFigure } from '../lib/plots/charts.js';
import { figureToSvg, svgToPng } from '../lib/plots/export.js';
import { findPython } from './python.js';

const { values: flags } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string', default: 'step,knn,export,tsne' },
  },
});
const only = new Set(flags.only!.split(','));
const rounds = Number(flags.rounds);
const root = projectRoot();

interface Line {
  [key: string]: unknown;
}
const lines: Line[] = [];
function emit(line: Line, text: string): void {
  lines.push(line);
  if (flags.json) console.log(JSON.stringify(line));
  else console.log(text);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// Slow backends take seconds a step, so they get fewer steps.
const STEPS: Record<BackendName, [number, number]> = {
  'tensorflow-gpu': [5, 30],
  tensorflow: [5, 30],
  wasm: [1, 3],
  cpu: [1, 2],
};

const NATIVE: BackendName[] = ['tensorflow-gpu', 'tensorflow'];

function timeBackend(
  backend: BackendName,
): { ok: true; msPerStep: number; tensorflowVersion: string | null } | { ok: false; reason: string } {
  const [warmup, steps] = STEPS[backend];
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'bench', 'step.ts'), String(warmup), String(steps)],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, BIGAN_BACKEND: backend },
    },
  );
  const last = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !last.startsWith('{')) {
    const reason =
      `${result.stderr}`.split('\n').find((l) => l.includes('cannot load')) ??
      result.stderr.trim().split('\n').pop() ??
      'failed';
    return { ok: false, reason: reason.trim() };
  }
  const parsed = JSON.parse(last);
  if (!parsed.finite) throw new Error(`${backend}: the step produced non-finite losses`);
  if (parsed.leakedTensors !== 0) throw new Error(`${backend}: the step leaked ${parsed.leakedTensors} tensors`);
  return { ok: true, msPerStep: parsed.msPerStep, tensorflowVersion: parsed.tensorflowVersion };
}

function timePytorch(python: string, threads: number): { msPerStep: number; blasThreads: number | null } {
  const result = spawnSync(python, [path.join(root, 'bench', 'peers', 'bigan_step.py'), '--threads', String(threads)], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`PyTorch peer failed: ${result.stderr.trim().split('\n').pop()}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!);
}

function benchSteps(): void {
  const torchPython = findPython('torch');
  const native: Record<string, number[]> = {};
  const torch: Record<number, number[]> = {};
  let blasThreads: number | null = null;
  const threadCounts = [...new Set([1, os.availableParallelism()])];
  for (const backend of BACKEND_ORDER) {
    const first = timeBackend(backend);
    if (!first.ok) {
      emit(
        { bench: 'bigan-step', backend, skipped: first.reason },
        `bigan step  ${backend.padEnd(15)} skipped: ${first.reason}`,
      );
      continue;
    }
    native[backend] = [first.msPerStep];
  }
  for (let round = 0; round < rounds; round++) {
    // The slow backends are timed once; the native ones alternate with PyTorch.
    for (const b of NATIVE) {
      if (round === 0 || !native[b]) continue;
      const again = timeBackend(b);
      if (again.ok) native[b].push(again.msPerStep);
    }
    if (torchPython) {
      for (const t of threadCounts) {
        const run = timePytorch(torchPython, t);
        (torch[t] ??= []).push(run.msPerStep);
        blasThreads = run.blasThreads;
      }
    }
  }
  const torchMedians = Object.entries(torch).map(([t, ms]) => ({ threads: Number(t), ms: median(ms) }));
  const bestTorch = torchMedians.length ? torchMedians.reduce((a, b) => (b.ms < a.ms ? b : a)) : null;
  for (const t of torchMedians) {
    emit(
      {
        bench: 'bigan-step',
        peer: 'pytorch',
        threads: t.threads,
        blasThreads,
        msPerStep: t.ms,
        runs: torch[t.threads],
      },
      `bigan step  pytorch (${t.threads} thr${blasThreads ? `, BLAS ${blasThreads}` : ''}) ${t.ms.toFixed(1).padStart(8)} ms  (median of ${torch[t.threads].map((x) => x.toFixed(0)).join(', ')})`,
    );
  }
  if (!torchPython)
    emit(
      { bench: 'bigan-step', peer: 'pytorch', skipped: 'no Python with torch (apt install python3-torch)' },
      'bigan step  pytorch          skipped: no Python with torch',
    );
  for (const [backend, runs] of Object.entries(native)) {
    const ms = median(runs);
    const ratio = bestTorch ? ms / bestTorch.ms : null;
    emit(
      {
        bench: 'bigan-step',
        backend,
        msPerStep: ms,
        runs,
        ratioToPytorch: ratio,
        pytorchThreads: bestTorch?.threads ?? null,
      },
      `bigan step  ${backend.padEnd(15)} ${ms.toFixed(1).padStart(8)} ms  ${ratio ? `${ratio.toFixed(2)}x PyTorch (${bestTorch!.threads} thr, its faster setting)` : ''}${runs.length > 1 ? `  (median of ${runs.map((x) => x.toFixed(0)).join(', ')})` : ''}`,
    );
  }
}

async function benchNearestNeighbour(): Promise<void> {
  const report = await initBackend();
  const mnist = loadMnist();
  const ours = nearestNeighbourAccuracy(
    { values: mnist.train.images, count: mnist.train.count, dim: PIXELS },
    mnist.train.labels,
    { values: mnist.test.images, count: mnist.test.count, dim: PIXELS },
    mnist.test.labels,
  );
  const python = findPython('sklearn');
  let peer: { accuracy: number; seconds: number; version: string } | null = null;
  if (python) {
    const result = spawnSync(python, [path.join(root, 'bench', 'peers', 'knn_sklearn.py'), defaultMnistDir()], {
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`scikit-learn peer failed: ${result.stderr.trim().split('\n').pop()}`);
    peer = JSON.parse(result.stdout.trim().split('\n').pop()!);
  }
  const ratio = peer ? ours.seconds / peer.seconds : null;
  emit(
    {
      bench: 'knn-pixels',
      backend: report.backend,
      accuracy: ours.accuracy,
      seconds: ours.seconds,
      peerAccuracy: peer?.accuracy ?? null,
      peerSeconds: peer?.seconds ?? null,
      ratioToPeer: ratio,
    },
    `1NN pixels  ours (${report.backend})  ${(ours.accuracy * 100).toFixed(2)}%  ${ours.seconds.toFixed(1)} s` +
      (peer
        ? `   scikit-learn ${peer.version}: ${(peer.accuracy * 100).toFixed(2)}%  ${peer.seconds.toFixed(1)} s   time ratio ${ratio!.toFixed(2)}x`
        : '   scikit-learn: not importable'),
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
    `export     10,000-point scatter: SVG ${svgSeconds.toFixed(2)} s (${(svg.length / 1e6).toFixed(1)} MB), PNG from it ${pngSeconds.toFixed(2)} s`,
  );
}

async function benchTsne(): Promise<void> {
  await initBackend();
  const mnist = loadMnist();
  const n = 10000;
  const input = pca({ values: mnist.test.images, count: n, dim: PIXELS }, 50).projected;
  const labels = mnist.test.labels.subarray(0, n);
  const ours = tsne({ values: input, count: n, dim: 50 });
  const oursAccuracy = mapAccuracy(ours.embedding, labels);
  const python = findPython('sklearn');
  let peer: { seconds: number; kl: number; version: string; accuracy: number } | null = null;
  if (python) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsne-bench-'));
    fs.writeFileSync(path.join(dir, 'input.f32'), Buffer.from(input.buffer, input.byteOffset, input.byteLength));
    const result = spawnSync(
      python,
      [
        path.join(root, 'bench', 'peers', 'tsne_sklearn.py'),
        path.join(dir, 'input.f32'),
        String(n),
        '50',
        path.join(dir, 'map.f64'),
      ],
      { encoding: 'utf8' },
    );
    if (result.status !== 0)
      throw new Error(`scikit-learn t-SNE peer failed: ${result.stderr.trim().split('\n').pop()}`);
    const parsed = JSON.parse(result.stdout.trim().split('\n').pop()!);
    const bytes = fs.readFileSync(path.join(dir, 'map.f64'));
    peer = { ...parsed, accuracy: mapAccuracy(new Float64Array(bytes.buffer, bytes.byteOffset, 2 * n), labels) };
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const line = {
    bench: 'tsne',
    points: n,
    dim: 50,
    seconds: ours.seconds,
    kl: ours.kl,
    knn5: oursAccuracy,
    peerSeconds: peer?.seconds ?? null,
    peerKl: peer?.kl ?? null,
    peerKnn5: peer?.accuracy ?? null,
    timeRatio: peer ? ours.seconds / peer.seconds : null,
    klRatio: peer ? ours.kl / peer.kl : null,
  };
  emit(
    line,
    `t-SNE      10,000 x 50: ours ${ours.seconds.toFixed(1)} s, KL ${ours.kl.toFixed(3)}, 5NN ${(oursAccuracy * 100).toFixed(2)}%` +
      (peer
        ? `   scikit-learn ${peer.version}: ${peer.seconds.toFixed(1)} s, KL ${peer.kl.toFixed(3)}, 5NN ${(peer.accuracy * 100).toFixed(2)}%   time ratio ${line.timeRatio!.toFixed(2)}x, KL ratio ${line.klRatio!.toFixed(3)}`
        : '   scikit-learn: not importable'),
  );
}

if (!flags.json)
  console.log(`bench on ${os.cpus()[0]?.model} (${os.availableParallelism()} threads), ${rounds} rounds\n`);
if (only.has('step')) benchSteps();
if (only.has('knn')) await benchNearestNeighbour();
if (only.has('export')) await benchFigureExport();
if (only.has('tsne')) await benchTsne();
