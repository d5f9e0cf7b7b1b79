import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { poolSummary, runPool } from '../lib/util/job-pool.js';

const cli = path.resolve('bin/bigan.js');
const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** Four tiny row-seeds: two rows of the quick budget, two seeds each, a few steps. */
const SWEEP = [
  'ablate',
  '--rows',
  'base,no-unaries',
  '--seeds',
  '2',
  '--budget',
  'quick',
  '--epochs',
  '2',
  '--set',
  '{"trainLimit": 256}',
];

/** An environment of its own for a sweep: its runs, results and throughput measurement. */
function sandbox(best: 'oneProcess' | 'perCore' = 'oneProcess'): NodeJS.ProcessEnv {
  const dir = tmp('pool-');
  const cache = path.join(dir, 'cache');
  fs.mkdirSync(cache);
  // The measurement `info` would take (20 s), written as it would be: the test picks the layout it needs.
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'} x${os.availableParallelism()}`;
  const layout = (processes: number, threads: number) => ({ processes, threads, msPerStep: 100, stepsPerSecond: 10 });
  const key = createHash('sha256').update(machine).digest('hex').slice(0, 12);
  fs.writeFileSync(
    path.join(cache, `throughput-${key}.json`),
    JSON.stringify({ machine, measuredAt: 'test', oneProcess: layout(1, 0), perCore: layout(2, 1), best }),
  );
  const results = path.join(dir, 'results');
  fs.mkdirSync(results);
  return {
    ...process.env,
    BIGAN_RUNS_DIR: path.join(dir, 'runs'),
    BIGAN_RESULTS_DIR: results,
    BIGAN_CACHE: cache,
  };
}

function run(args: string[], env: NodeJS.ProcessEnv): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

type Table = { rows: { name: string; seeds: Record<string, number>[] }[] };
const table = (env: NodeJS.ProcessEnv, name: string): Table =>
  JSON.parse(fs.readFileSync(path.join(env.BIGAN_RESULTS_DIR!, `${name}.json`), 'utf8'));

test('four row-seeds in a pool of two give the table a sequential run gives; a second collector is refused', () => {
  // One thread everywhere: TensorFlow's sums then run in one order, and the two tables can be equal to the bit.
  const oneThread = { TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '1', OMP_NUM_THREADS: '1' };
  const sequential = { ...sandbox('oneProcess'), ...oneThread };
  const done = run([...SWEEP, '--results', 'table'], sequential);
  assert.equal(done.status, 0, done.output);
  assert.doesNotMatch(done.output, /sweep:/, 'the measured layout (one process) trains in this process');

  const pooled = sandbox('perCore');
  const pool = run([...SWEEP, '--jobs', '2', '--threads-per-job', '1', '--results', 'table'], pooled);
  assert.equal(pool.status, 0, pool.output);
  assert.match(pool.output, /4 tasks, 2 at a time, 1 thread\(s\) each/);
  assert.match(pool.output, /sweep: 4\/4 done/);
  for (const task of ['base-s0', 'base-s1', 'no-unaries-s0', 'no-unaries-s1'])
    assert.ok(fs.existsSync(path.join(pooled.BIGAN_RUNS_DIR!, 'pool', 'ablate-quick', `${task}.log`)), task);
  const scores = (t: Table) => t.rows.map((r) => ({ name: r.name, seeds: r.seeds }));
  assert.deepEqual(scores(table(pooled, 'table')), scores(table(sequential, 'table')));

  // A collector holding the table's lock: a second one is refused, naming the holder, and writes nothing.
  const lock = path.join(pooled.BIGAN_RESULTS_DIR!, 'table.json.lock');
  const before = fs.readFileSync(path.join(pooled.BIGAN_RESULTS_DIR!, 'table.json'), 'utf8');
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  try {
    fs.writeFileSync(lock, JSON.stringify({ pid: holder.pid, host: os.hostname(), since: 'now' }));
    const second = run([...SWEEP, '--collect', '--results', 'table'], pooled);
    assert.equal(second.status, 1);
    assert.match(second.output, new RegExp(`table\\.json is being written by process ${holder.pid}`));
    assert.equal(fs.readFileSync(path.join(pooled.BIGAN_RESULTS_DIR!, 'table.json'), 'utf8'), before);
  } finally {
    holder.kill('SIGKILL');
  }
});

/** The pids of `parent`'s child processes. */
function childrenOf(parent: number): number[] {
  const out = spawnSync('pgrep', ['-P', String(parent)], { encoding: 'utf8' }).stdout.trim();
  return out ? out.split('\n').map(Number) : [];
}

test('a task killed with SIGKILL mid-run fails alone; the same command again resumes it and finishes the sweep', async () => {
  const env = sandbox('perCore');
  const args = [...SWEEP.slice(0, 2), 'base', '--seeds', '2', '--budget', 'quick', '--epochs', '6'];
  const parent = spawn(process.execPath, [cli, ...args, '--jobs', '2', '--threads-per-job', '1'], { env });
  let output = '';
  parent.stderr.on('data', (d) => (output += d));
  parent.stdout.on('data', (d) => (output += d));
  // Kill seed 0's task once its run has a finished checkpoint (not a temporary one being written), so that the rerun
  // has something to resume. The run folder appears before its checkpoints folder, so either may be missing yet.
  const runs = env.BIGAN_RUNS_DIR!;
  const finishedCheckpoint = (run: string) => {
    const checkpoints = path.join(runs, run, 'checkpoints');
    return fs.existsSync(checkpoints) && fs.readdirSync(checkpoints).some((c) => /^epoch-\d+$/.test(c));
  };
  let victim: number | undefined;
  for (let waited = 0; victim === undefined && waited < 120_000; waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
    const checkpointed = fs.existsSync(runs)
      ? fs
          .readdirSync(runs)
          .filter((d) => d.startsWith('bigbigan-base-s0-'))
          .some(finishedCheckpoint)
      : false;
    if (checkpointed)
      victim = childrenOf(parent.pid!).find((pid) => {
        const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(String.fromCharCode(0));
        return args[args.indexOf('--seed-index') + 1] === '0';
      });
  }
  assert.ok(victim, 'a task reached its first checkpoint');
  process.kill(victim, 'SIGKILL');
  const code = await new Promise<number | null>((resolve) => parent.on('exit', resolve));
  assert.equal(code, 1, output);
  assert.match(output, /failed: base s\d \(exit SIGKILL\); its log: /);
  assert.match(output, /the same command again resumes/);

  const again = run([...args, '--jobs', '2', '--threads-per-job', '1', '--results', 'after-kill'], env);
  assert.equal(again.status, 0, again.output);
  const log = fs.readFileSync(path.join(runs, 'pool', 'ablate-quick', 'base-s0.log'), 'utf8');
  assert.match(log, /resuming .* \(step \d+\)/, 'the killed task resumed from its checkpoint');
  assert.equal(table(env, 'after-kill').rows[0].seeds.length, 2);
});

test('SIGTERM to the pool stops every task at its next step with a checkpoint, and it exits 75', async () => {
  const log = tmp('pool-stop-');
  // Stand-ins for training runs: each exits 75 on TERM, as `bigan train` and `bigan ablate` do.
  const task = (i: number) => ({
    label: `t${i}`,
    command: [
      process.execPath,
      '-e',
      "process.on('SIGTERM', () => process.exit(75)); console.log('started'); setInterval(() => {}, 1000)",
    ],
    log: path.join(log, `t${i}.log`),
  });
  const lines: string[] = [];
  const pool = runPool([task(0), task(1), task(2)], {
    jobs: 2,
    threadsPerJob: 1,
    stoppedExitCode: 75,
    onProgress: (line) => lines.push(line),
  });
  await new Promise((r) => setTimeout(r, 1000));
  process.emit('SIGTERM', 'SIGTERM');
  const results = await pool;
  assert.deepEqual(
    results.map((r) => r.outcome),
    ['stopped', 'stopped', 'not started'],
  );
  assert.ok(lines.some((l) => /SIGTERM: stopping the sweep/.test(l)));
  assert.match(fs.readFileSync(path.join(log, 't0.log'), 'utf8'), /started/);
  assert.equal(process.listenerCount('SIGTERM'), 0, 'the pool removed its signal handlers');
});

test('a task asked to stop that dies on a signal counts as stopped; one that fails or dies unasked does not', async () => {
  const log = tmp('pool-abort-');
  // Each stand-in writes a marker when its handler is in place, then reacts to TERM as its name says.
  const script = (label: string, onTerm: string, after: string) =>
    `process.on('SIGTERM', () => { ${onTerm} }); require('fs').writeFileSync(${JSON.stringify(path.join(log, label))}, ''); ${after} setInterval(() => {}, 1000)`;
  // `ulimit -c 0`: an abort leaves no core file behind, whatever this machine's limit.
  const task = (label: string, onTerm: string, after = '') => ({
    label,
    command: ['bash', '-c', 'ulimit -c 0; exec "$0" -e "$1"', process.execPath, script(label, onTerm, after)],
    log: path.join(log, `${label}.log`),
  });
  const tasks = [
    task('checkpoints', 'process.exit(75)'),
    // As native TensorFlow has done at exit after its checkpoint: glibc's abort.
    task('aborts', 'process.abort()'),
    task('errs', 'process.exit(1)'),
    // Dies on its own before any stop request.
    task('crashes', '', 'process.abort();'),
  ];
  const pool = runPool(tasks, { jobs: 4, threadsPerJob: 1, stoppedExitCode: 75 });
  const ready = () => ['checkpoints', 'aborts', 'errs'].every((l) => fs.existsSync(path.join(log, l)));
  for (const started = Date.now(); !ready(); await new Promise((r) => setTimeout(r, 100)))
    assert.ok(Date.now() - started < 30000, 'the tasks started');
  await new Promise((r) => setTimeout(r, 500));
  process.emit('SIGTERM', 'SIGTERM');
  const results = await pool;
  assert.deepEqual(
    results.map((r) => [r.task.label, r.outcome, r.exit]),
    [
      ['checkpoints', 'stopped', 75],
      ['aborts', 'stopped', 'SIGABRT'],
      ['errs', 'failed', 1],
      ['crashes', 'failed', 'SIGABRT'],
    ],
  );
  const summary = poolSummary(results).join('\n');
  assert.match(summary, /2 stopped with a checkpoint, 2 failed/);
  assert.match(
    summary,
    /stopped: aborts ended by SIGABRT after the stop request; it resumes from its newest checkpoint/,
  );
  assert.match(summary, /failed: crashes \(exit SIGABRT\)/);
});

test('a task already finished is counted done and never started; it and a resumed one stay out of the ETA', async () => {
  const dir = tmp('pool-finished-');
  const lines: string[] = [];
  const sleep = (label: string) => ({
    label,
    command: [process.execPath, '-e', 'setTimeout(() => {}, 2500)'],
    log: path.join(dir, `${label}.log`),
  });
  const results = await runPool(
    [
      // Were it started, it would fail: `finished` must keep the pool from running it.
      {
        label: 'old',
        command: [process.execPath, '-e', 'process.exit(3)'],
        log: path.join(dir, 'old.log'),
        finished: true,
      },
      // Resumed from a checkpoint: its short time must not stand for a whole task's in the ETA.
      { label: 'resumed', command: [process.execPath, '-e', ''], log: path.join(dir, 'resumed.log'), resumes: true },
      sleep('a'),
      sleep('b'),
    ],
    { jobs: 1, threadsPerJob: 1, stoppedExitCode: 75, onProgress: (l) => lines.push(l) },
  );
  assert.deepEqual(
    results.map((r) => [r.task.label, r.outcome, r.exit]),
    [
      ['old', 'done', 0],
      ['resumed', 'done', 0],
      ['a', 'done', 0],
      ['b', 'done', 0],
    ],
  );
  assert.equal(fs.existsSync(path.join(dir, 'old.log')), false, 'the finished task was started');
  assert.match(lines[0], /^sweep: 1\/4 done \(1 before this sweep\), 1 running \(resumed\), 2 left/);
  assert.doesNotMatch(
    lines.find((l) => l.startsWith('sweep: 2/4 done'))!,
    /ETA/,
    'no ETA from a resumed task alone',
  );
  // After `a` (2.5 s): the ETA of `b` is a's time, not a mean with the finished or the resumed task's near-zero.
  const afterA = lines.find((l) => l.startsWith('sweep: 3/4 done'))!;
  assert.match(afterA, /ETA ([2-9]|\d\d+)s/, afterA);
});
