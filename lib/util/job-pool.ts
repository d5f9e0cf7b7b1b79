import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** One independent job of a sweep: a command line of its own, its output in its own log. */
export interface PoolTask {
  /** Shown in the progress line and the summary ("base s3"). */
  label: string;
  /** The program and its arguments. */
  command: string[];
  /** Where the task's stdout and stderr go (appended: a rerun adds to the same log). */
  log: string;
  /**
   * The task's result already exists (a ledger entry, a finished run): the pool counts it done and starts nothing,
   * so that a resumed sweep's ETA is not drawn down by tasks that would only find their result and exit.
   */
  finished?: boolean;
  /** The task continues from a checkpoint: its time says little of a whole task's, so the ETA leaves it out. */
  resumes?: boolean;
}

export type TaskOutcome = 'done' | 'stopped' | 'failed' | 'not started';

export interface TaskResult {
  task: PoolTask;
  outcome: TaskOutcome;
  /** The exit code, or the signal that ended the process ("SIGKILL"); null for a task never started. */
  exit: number | string | null;
  seconds: number;
}

export interface PoolOptions {
  /** Tasks run at once. */
  jobs: number;
  /** Threads each task's native TensorFlow (and oneDNN's OpenMP) may use; 0 leaves their defaults. */
  threadsPerJob: number;
  /** The exit code with which a task says "stopped on request, a checkpoint holds where it was". */
  stoppedExitCode: number;
  /** Each change of the sweep's state, as one line (tasks done, running, left, ETA). */
  onProgress?: (line: string) => void;
  /** Extra environment for every task. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The environment that limits a process to `threads` threads: TensorFlow reads its intra- and inter-op pool sizes
 * once, when the native library loads, so they must be set before the process starts.
 */
export function threadEnvironment(threads: number): NodeJS.ProcessEnv {
  if (threads <= 0) return {};
  const n = String(threads);
  return { TF_NUM_INTRAOP_THREADS: n, TF_NUM_INTEROP_THREADS: n, OMP_NUM_THREADS: n };
}

/**
 * Runs `tasks` as separate processes, `jobs` at a time, each with `threadsPerJob` threads: independent training
 * runs of small networks use a second core far better as a second process than as a second TensorFlow thread.
 * SIGINT or SIGTERM to this process stops the sweep: no new task starts, every running task gets SIGTERM (its run
 * checkpoints at its next step and exits with `stoppedExitCode`), and the pool returns once all have exited. A task
 * that fails does not stop the others; the results say which did what.
 */
export async function runPool(tasks: PoolTask[], options: PoolOptions): Promise<TaskResult[]> {
  if (!Number.isInteger(options.jobs) || options.jobs < 1)
    throw new Error(`jobs must be at least 1, got ${options.jobs}`);
  const results: TaskResult[] = tasks.map((task) =>
    task.finished
      ? { task, outcome: 'done', exit: 0, seconds: 0 }
      : { task, outcome: 'not started', exit: null, seconds: 0 },
  );
  const waiting = results.flatMap((r, index) => (r.task.finished ? [] : [index]));
  const running = new Map<number, ChildProcess>();
  const started = performance.now();
  let next = 0;
  let stopping = false;
  const report = () => options.onProgress?.(progressLine(results, running, started, options.jobs, stopping));

  const onSignal = (signal: NodeJS.Signals) => {
    if (!stopping) options.onProgress?.(`${signal}: stopping the sweep; each running task checkpoints and exits`);
    stopping = true;
    for (const child of running.values()) child.kill('SIGTERM');
  };
  const signals = ['SIGINT', 'SIGTERM'] as const;
  for (const s of signals) process.on(s, onSignal);
  try {
    await new Promise<void>((resolve) => {
      const launch = () => {
        while (!stopping && running.size < options.jobs && next < waiting.length) start(waiting[next++]);
        if (running.size === 0) resolve();
      };
      const start = (index: number) => {
        const { task } = results[index];
        fs.mkdirSync(path.dirname(task.log), { recursive: true });
        const log = fs.openSync(task.log, 'a');
        fs.writeSync(log, `\n== ${new Date().toISOString()} ${task.command.join(' ')}\n`);
        const begun = performance.now();
        const child = spawn(task.command[0], task.command.slice(1), {
          stdio: ['ignore', log, log],
          env: { ...process.env, ...options.env, ...threadEnvironment(options.threadsPerJob) },
        });
        fs.closeSync(log);
        running.set(index, child);
        const finish = (code: number | null, signal: NodeJS.Signals | null) => {
          if (!running.has(index)) return;
          running.delete(index);
          const result = results[index];
          result.seconds = (performance.now() - begun) / 1000;
          result.exit = code ?? signal ?? 'unknown';
          result.outcome = taskOutcome(code, signal, stopping, options.stoppedExitCode);
          // The next task starts first, so that the line shows the pool as it now is.
          launch();
          report();
        };
        child.on('exit', finish);
        child.on('error', (error) => {
          fs.appendFileSync(task.log, `cannot start: ${error.message}\n`);
          finish(127, null);
        });
      };
      launch();
      report();
    });
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
  return results;
}

/**
 * What a task's exit says. A task the pool asked to stop counts as stopped when it ends on a signal instead of
 * exiting with `stoppedExitCode`: native TensorFlow has, rarely, aborted at exit (glibc heap corruption) after the
 * run wrote its checkpoint and said so. Checkpoints are written atomically, so the newest is whole whatever the
 * process did next, and the same command resumes from it; calling it failed would only turn a stop into a failure.
 */
function taskOutcome(
  code: number | null,
  signal: NodeJS.Signals | null,
  askedToStop: boolean,
  stoppedExitCode: number,
): TaskOutcome {
  if (code === 0) return 'done';
  if (code === stoppedExitCode || (askedToStop && signal !== null)) return 'stopped';
  return 'failed';
}

function progressLine(
  results: TaskResult[],
  running: Map<number, ChildProcess>,
  started: number,
  jobs: number,
  stopping: boolean,
): string {
  const count = (o: TaskOutcome) => results.filter((r) => r.outcome === o).length;
  const finished = results.filter((r) => r.outcome === 'done');
  const before = results.filter((r) => r.task.finished).length;
  const left = count('not started') - running.size;
  const parts = [`${finished.length}/${results.length} done${before ? ` (${before} before this sweep)` : ''}`];
  if (count('failed')) parts.push(`${count('failed')} failed`);
  if (count('stopped')) parts.push(`${count('stopped')} stopped`);
  parts.push(
    `${running.size} running${running.size ? ` (${[...running.keys()].map((i) => results[i].task.label).join(', ')})` : ''}`,
  );
  parts.push(`${left} left`);
  const elapsed = (performance.now() - started) / 1000;
  const timed = finished.filter((r) => !r.task.finished && !r.task.resumes);
  if (!stopping && timed.length > 0 && left + running.size > 0) {
    // Tasks finish about `jobs` at a time: the mean task's time for each round of what is still to do.
    const mean = timed.reduce((s, r) => s + r.seconds, 0) / timed.length;
    parts.push(`ETA ${formatSeconds((Math.ceil((left + running.size) / jobs) * mean) | 0)}`);
  }
  return `sweep: ${parts.join(', ')} [${formatSeconds(elapsed | 0)}]`;
}

function formatSeconds(s: number): string {
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}

/** The sweep's end in words, and the failed tasks' logs to read. */
export function poolSummary(results: TaskResult[]): string[] {
  const count = (o: TaskOutcome) => results.filter((r) => r.outcome === o).length;
  const lines = [
    `sweep: ${count('done')} done, ${count('stopped')} stopped with a checkpoint, ${count('failed')} failed, ` +
      `${count('not started')} not started`,
  ];
  for (const r of results.filter((r) => r.outcome === 'failed'))
    lines.push(`  failed: ${r.task.label} (exit ${r.exit}); its log: ${r.task.log}`);
  for (const r of results.filter((r) => r.outcome === 'stopped' && typeof r.exit === 'string'))
    lines.push(
      `  stopped: ${r.task.label} ended by ${r.exit} after the stop request; it resumes from its newest checkpoint`,
    );
  if (count('stopped') + count('not started') + count('failed') > 0)
    lines.push('  the same command again resumes the stopped tasks and runs the rest (finished ones are reused)');
  return lines;
}
