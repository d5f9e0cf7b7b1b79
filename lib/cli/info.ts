import os from 'node:os';
import { describeBackend, initBackend, packageVersions } from '../backend/backend.js';
import { checkMnistFiles, defaultMnistDir } from '../data/mnist.js';
import { cachedThroughput, describeLayout, measureThroughput } from './throughput.js';
import { defineCommand } from './command.js';

/**
 * `bigan info [--json] [--measure]`: the backend chosen and why, versions, cores, whether the MNIST files check out,
 * and the sweep throughput of the machine's two layouts (measured the first time, or again with --measure).
 */
export async function info(flags: { json: boolean; measure?: boolean }): Promise<number> {
  const report = await initBackend();
  let mnistDir: string | null = null;
  let files: ReturnType<typeof checkMnistFiles> = [];
  let mnistProblem: string | null = null;
  try {
    mnistDir = defaultMnistDir();
    files = checkMnistFiles(mnistDir);
  } catch (error) {
    mnistProblem = (error as Error).message;
  }
  const mnistOk = mnistProblem === null && files.every((f) => f.ok);
  // The probe trains on MNIST: without the files there is nothing to measure.
  const cached = flags.measure ? null : cachedThroughput();
  const throughput = cached ?? (mnistOk ? await measureThroughput() : null);
  const result = {
    ...report,
    versions: packageVersions(),
    cores: os.availableParallelism(),
    mnist: { ok: mnistOk, dir: mnistDir, problem: mnistProblem, files },
    throughput,
  };
  if (flags.json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(describeBackend(report));
    console.log(
      `versions: ${Object.entries(result.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    console.log(`cores: ${result.cores}`);
    if (throughput) {
      const faster = throughput[throughput.best];
      console.log(
        `sweep throughput, BigBiGAN step (${cached ? `measured ${throughput.measuredAt.slice(0, 10)}` : 'measured now'}):` +
          `\n  ${describeLayout(throughput.oneProcess)}\n  ${describeLayout(throughput.perCore)}` +
          `\n  the job pool runs ${faster.processes} x ${faster.threads || 'all'} thread(s)` +
          ` (${(throughput.perCore.stepsPerSecond / throughput.oneProcess.stepsPerSecond).toFixed(2)}x one process)`,
      );
    }
    console.log(`MNIST (${mnistDir ?? 'not found'}): ${mnistOk ? 'all four files pass their checks' : 'PROBLEM'}`);
    if (mnistProblem) console.log(`  ${mnistProblem}`);
    for (const f of files.filter((f) => !f.ok)) console.log(`  ${f.problem}`);
  }
  return mnistOk ? 0 : 1;
}

/** `bigan info`. */
export const infoCli = defineCommand({
  name: 'info',
  summary: "backend, versions, cores, the MNIST files' checks, the machine's training throughput",
  usage: `bigan info [--json] [--measure]

The backend chosen and why, versions, cores, the MNIST files' checks, and the machine's training throughput for a
sweep: one process at all threads against one single-threaded process a core (measured once per machine and
remembered; --measure measures again). The job pool takes the faster layout.`,
  options: { json: { type: 'boolean', default: false }, measure: { type: 'boolean', default: false } },
  run: (values) => info({ json: values.json, measure: values.measure }),
});
