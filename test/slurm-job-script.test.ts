import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { requeueOnStop, shellWord } from '../lib/cli/slurm.js';

/**
 * The forward-and-requeue part of `train --engine slurm`'s job script, run by bash without Slurm: a stand-in
 * `scontrol` on the PATH records the requeue, stand-in training processes react to USR1 as their names say.
 */
async function runJob(
  onUsr1: string,
  options: { signal?: NodeJS.Signals; crashFirst?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<{ status: number | null; requeued: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'job-script-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const requeues = path.join(dir, 'requeues');
  fs.writeFileSync(path.join(bin, 'scontrol'), `#!/bin/bash\necho "$@" >> ${requeues}\n`, { mode: 0o755 });
  const ready = path.join(dir, 'ready');
  // The stand-in: no core file on abort; its handler in place before it says it is ready.
  const training = [
    'ulimit -c 0',
    `trap '${onUsr1}' USR1`,
    `touch ${ready}`,
    ...(options.crashFirst ? ['kill -ABRT $$'] : []),
    'while :; do sleep 0.05; done',
  ].join('; ');
  const script = ['set -u', ...requeueOnStop(`bash -c ${shellWord(training)}`)].join('\n');
  const job = spawn('bash', ['-c', script], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, SLURM_JOB_ID: '42', ...options.env },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => job.on('exit', (code) => resolve(code)));
  for (const started = Date.now(); !fs.existsSync(ready); await new Promise((r) => setTimeout(r, 50)))
    assert.ok(Date.now() - started < 10000, 'the stand-in started');
  if (options.signal) {
    await new Promise((r) => setTimeout(r, 200));
    job.kill(options.signal);
  }
  const status = await exited;
  return { status, requeued: fs.existsSync(requeues) ? fs.readFileSync(requeues, 'utf8') : '' };
}

test('the job requeues itself when training stops on the forwarded signal with exit 75', async () => {
  for (const signal of ['SIGUSR1', 'SIGTERM'] as const) {
    const { status, requeued } = await runJob('exit 75', { signal });
    assert.equal(status, 75, signal);
    assert.equal(requeued, 'requeue 42\n', signal);
  }
});

test('the job requeues itself when training dies on a signal after the forwarded one (an abort at exit)', async () => {
  const { status, requeued } = await runJob('kill -ABRT $$', { signal: 'SIGUSR1' });
  assert.equal(status, 134);
  assert.equal(requeued, 'requeue 42\n');
});

test('an array task requeues itself alone, by array id and task id', async () => {
  const { status, requeued } = await runJob('exit 75', {
    signal: 'SIGUSR1',
    env: { SLURM_ARRAY_JOB_ID: '40', SLURM_ARRAY_TASK_ID: '2' },
  });
  assert.equal(status, 75);
  assert.equal(requeued, 'requeue 40_2\n');
});

test('an error exit after the signal, or a crash nobody asked for, is not requeued', async () => {
  const errs = await runJob('exit 1', { signal: 'SIGUSR1' });
  assert.deepEqual(errs, { status: 1, requeued: '' });
  const crashes = await runJob('exit 75', { crashFirst: true });
  assert.deepEqual(crashes, { status: 134, requeued: '' });
});
