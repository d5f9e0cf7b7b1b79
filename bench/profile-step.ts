// `node --import tsx bench/profile-step.ts [bigan|bigbigan] [steps]`: where one native training step's time goes. Every call
// into the TensorFlow addon is timed by op name (eager ops on the CPU run synchronously inside the call, so this is
// the kernel's time plus the addon's own overhead); the rest of the step is JavaScript: tfjs' dispatch, the tape,
// tensor bookkeeping. Prints a table and the split, for the README's performance section.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/backend.js';
import { stepRunner } from '../lib/training/step-probe.js';

const name = process.argv[2] ?? 'bigan';
const steps = Number(process.argv[3] ?? 40);
const report = await initBackend();
if (report.backend !== 'tensorflow') throw new Error(`profile-step needs the native backend, got ${report.backend}`);
const { run } = stepRunner(name);
const backend = tf.backend() as unknown as { binding: Record<string, unknown> };
const perOp = new Map<string, { calls: number; ms: number }>();
let inAddon = 0;
let recording = false;
// The addon's exports are read-only and non-configurable, so the backend gets a stand-in object that times every
// function of the addon and forwards the call.
const binding = backend.binding;
const timed: Record<string, unknown> = {};
for (const key of Object.getOwnPropertyNames(binding)) {
  const value = binding[key];
  if (typeof value !== 'function') {
    timed[key] = value;
    continue;
  }
  timed[key] = (...args: unknown[]) => {
    const t = performance.now();
    const result = (value as (...a: unknown[]) => unknown).apply(binding, args);
    if (recording) {
      const ms = performance.now() - t;
      const name = key === 'executeOp' ? (args[0] as string) : `(addon) ${key}`;
      const entry = perOp.get(name) ?? { calls: 0, ms: 0 };
      entry.calls++;
      entry.ms += ms;
      perOp.set(name, entry);
      inAddon += ms;
    }
    return result;
  };
}
backend.binding = timed;

for (let i = 0; i < 5; i++) run(i);
recording = true;
const start = performance.now();
for (let i = 0; i < steps; i++) run(5 + i);
const total = (performance.now() - start) / steps;
const rows = [...perOp.entries()].sort((a, b) => b[1].ms - a[1].ms);
console.log(`${name} step, backend ${report.backend}, TensorFlow ${report.tensorflowVersion}, ${steps} steps`);
console.log(
  `step ${total.toFixed(1)} ms: in TensorFlow calls ${(inAddon / steps).toFixed(1)} ms, in JavaScript ${(total - inAddon / steps).toFixed(1)} ms`,
);
console.log('op                              calls/step   ms/step   share');
for (const [name, { calls, ms }] of rows) {
  if (ms / steps < 0.05) continue;
  console.log(
    `${name.padEnd(32)}${(calls / steps).toFixed(0).padStart(10)}${(ms / steps).toFixed(2).padStart(10)}${((100 * ms) / steps / total).toFixed(1).padStart(7)}%`,
  );
}
const calls = [...perOp.values()].reduce((s, e) => s + e.calls, 0) / steps;
console.log(`${calls.toFixed(0)} addon calls a step`);
