import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { cli } from './support/cli.js';
import { makeConfig } from '../lib/config/training-config.js';
import { RunFolder } from '../lib/io/run-folder.js';
import { silentProgress } from '../lib/training/progress.js';
import { train } from '../lib/training/train.js';

/**
 * A real single-node Slurm (Debian's slurm-wlm and munge, installed by `npm run setup`), configured in a temporary
 * folder, started on this machine and stopped after the tests: the job array of `bigan ablate --engine slurm`, and
 * the requeue of `bigan train --engine slurm` on Slurm's warning signal.
 */
const state = fs.mkdtempSync(path.join(os.tmpdir(), 'slurm-'));
const conf = path.join(state, 'slurm.conf');
const host = os.hostname();

function sh(cmd: string, args: string[]): string {
  const result = spawnSync(cmd, args, { encoding: 'utf8', env: process.env });
  assert.equal(result.status, 0, `${cmd} ${args.join(' ')}: ${result.stderr}${result.error ?? ''}`);
  return result.stdout;
}

async function until(what: string, check: () => boolean, seconds: number): Promise<void> {
  for (const started = Date.now(); !check();) {
    assert.ok(Date.now() - started < seconds * 1000, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

before(async () => {
  for (const daemon of ['/usr/sbin/munged', '/usr/sbin/slurmctld', '/usr/sbin/slurmd']) {
    assert.ok(fs.existsSync(daemon), `${daemon} is missing: \`npm run setup\` installs Debian's slurm-wlm and munge`);
  }
  fs.mkdirSync(path.join(state, 'munge'));
  const socket = path.join(state, 'munge', 'munge.socket');
  const memory = Math.floor((os.totalmem() / 2 ** 20) * 0.8);
  fs.writeFileSync(
    conf,
    [
      'ClusterName=bigantest',
      `SlurmctldHost=${host}`,
      'SlurmUser=root',
      'SlurmctldPort=16917',
      'SlurmdPort=16918',
      'AuthType=auth/munge',
      // A requeued job waits until its old credential expires (120 s by default) before it may start again.
      `AuthInfo=socket=${socket},cred_expire=10`,
      `StateSaveLocation=${path.join(state, 'state')}`,
      `SlurmdSpoolDir=${path.join(state, 'spool')}`,
      `SlurmctldPidFile=${path.join(state, 'slurmctld.pid')}`,
      `SlurmdPidFile=${path.join(state, 'slurmd.pid')}`,
      `SlurmctldLogFile=${path.join(state, 'slurmctld.log')}`,
      `SlurmdLogFile=${path.join(state, 'slurmd.log')}`,
      // No cgroups in a container or VM sandbox: processes are tracked by their parent ids.
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'JobCompType=jobcomp/filetxt',
      `JobCompLoc=${path.join(state, 'jobcomp.txt')}`,
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'ReturnToService=2',
      'MpiDefault=none',
      `NodeName=${host} CPUs=${os.availableParallelism()} RealMemory=${memory} State=UNKNOWN`,
      `PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  process.env.SLURM_CONF = conf;
  sh('/usr/sbin/munged', [
    '--force',
    `--socket=${socket}`,
    `--pid-file=${path.join(state, 'munge', 'munged.pid')}`,
    `--log-file=${path.join(state, 'munge', 'munged.log')}`,
    `--seed-file=${path.join(state, 'munge', 'munged.seed')}`,
  ]);
  sh('/usr/sbin/slurmctld', ['-f', conf]);
  sh('/usr/sbin/slurmd', ['-f', conf]);
  await until(
    'the node to be idle',
    () => spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8' }).stdout.trim() === 'idle',
    60,
  );
});

after(() => {
  spawnSync('scontrol', ['shutdown'], { env: process.env });
  const munged = path.join(state, 'munge', 'munged.pid');
  if (fs.existsSync(munged)) process.kill(Number(fs.readFileSync(munged, 'utf8')), 'SIGTERM');
  delete process.env.SLURM_CONF;
});

/** The CLI run with `runs` as its runs folder. */
const cliUnder = (runs: string, args: string[]) => cli(args, runs);

const jobId = (output: string) => /as Slurm job (\d+)/.exec(output)?.[1] ?? assert.fail(`no job id in: ${output}`);
const queued = (job: string) => spawnSync('squeue', ['-h', '-j', job], { encoding: 'utf8' }).stdout.trim();

test('ablate --engine slurm --dry-run prints a job array with one task per row and seed', async () => {
  const { code, output } = await cliUnder(state, [
    'ablate',
    '--rows',
    'base,no-unaries,small-g',
    '--seeds',
    '2',
    '--engine',
    'slurm',
    '--dry-run',
  ]);
  assert.equal(code, 0);
  assert.match(output, /^#SBATCH --array=0-5$/m);
  assert.match(output, /^rows=\(base base no-unaries no-unaries small-g small-g\)$/m);
  assert.match(output, /^seeds=\(0 1 0 1 0 1\)$/m);
});

test('a 4-task array on the quick budget, collected, gives the local engine table', async (t) => {
  const rows = ['base', 'no-unaries'];
  const clusterRuns = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-runs-'));
  const submitted = await cliUnder(clusterRuns, [
    'ablate',
    '--rows',
    rows.join(','),
    '--seeds',
    '2',
    '--engine',
    'slurm',
  ]);
  assert.equal(submitted.code, 0, submitted.output);
  const job = jobId(submitted.output);
  t.diagnostic(`squeue after submitting:\n${spawnSync('squeue', [], { encoding: 'utf8' }).stdout}`);
  await until(`array job ${job}`, () => queued(job) === '', 900);
  t.diagnostic(`job completions:\n${fs.readFileSync(path.join(state, 'jobcomp.txt'), 'utf8')}`);

  const missing = await cliUnder(clusterRuns, [
    'ablate',
    '--collect',
    '--rows',
    'base,small-g',
    '--seeds',
    '2',
    '--json',
  ]);
  assert.match(missing.output, /missing: small-g seed 0 \(not started\)/);
  const collected = await cliUnder(clusterRuns, [
    'ablate',
    '--collect',
    '--rows',
    rows.join(','),
    '--seeds',
    '2',
    '--json',
  ]);
  assert.equal(collected.code, 0, collected.output);
  assert.doesNotMatch(collected.output, /missing/);
  // One task at a time with TensorFlow's default threads, as each Slurm task ran: a layout of other thread counts
  // (the pool's default here, two single-threaded tasks) sums in another order and differs in the last digits.
  const local = await cliUnder(fs.mkdtempSync(path.join(os.tmpdir(), 'local-runs-')), [
    'ablate',
    '--rows',
    rows.join(','),
    '--seeds',
    '2',
    '--jobs',
    '1',
    '--json',
  ]);
  assert.equal(local.code, 0, local.output);
  const table = (output: string) =>
    output
      .split('\n')
      .filter((l) => l.startsWith('{"name"'))
      .map((l) => JSON.parse(l));
  assert.equal(table(collected.output).length, 2);
  assert.deepEqual(table(collected.output), table(local.output));
});

test('an array task stopped by Slurm warning signal requeues itself alone and resumes; its sibling runs once', async (t) => {
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'array-requeue-'));
  const args = ['ablate', '--rows', 'base', '--seeds', '2', '--budget', 'quick', '--epochs', '12'];
  const submitted = await cliUnder(runs, [...args, '--engine', 'slurm']);
  assert.equal(submitted.code, 0, submitted.output);
  const job = jobId(submitted.output);
  const epochsDone = (seed: number) => {
    const dir = fs.readdirSync(runs).find((d) => d.startsWith(`bigbigan-base-s${seed}-`));
    return dir && fs.existsSync(path.join(runs, dir, 'history.json'))
      ? RunFolder.open(path.join(runs, dir)).readHistory().length
      : 0;
  };
  await until('both tasks training', () => epochsDone(0) >= 2 && epochsDone(1) >= 2, 300);
  // The task whose own job id is the array's id: requeueing "$SLURM_JOB_ID" there would requeue its sibling too.
  const tasks = spawnSync('squeue', ['-h', '-j', job, '-o', '%i %A'], { encoding: 'utf8' }).stdout.trim().split('\n');
  t.diagnostic(`array tasks (task, job id):\n${tasks.join('\n')}`);
  const [target, sibling] = tasks.some((l) => l.endsWith(` ${job}`) && l.startsWith(`${job}_0 `)) ? [0, 1] : [1, 0];
  sh('scancel', ['--batch', '--signal=USR1', `${job}_${target}`]);
  await until(`array ${job} to finish`, () => queued(job) === '', 600);
  const log = (task: number) => fs.readFileSync(path.join(runs, 'slurm', `ablate-${job}_${task}.out`), 'utf8');
  t.diagnostic(`task ${target} output:\n${log(target)}`);
  assert.match(log(target), /stopped on request/);
  assert.match(log(target), /resuming .* (steps into epoch|after epoch)/);
  assert.doesNotMatch(log(sibling), /stopped on request|resuming/);
  assert.equal(epochsDone(0), 12);
  assert.equal(epochsDone(1), 12);
  const collected = await cliUnder(runs, [...args, '--collect', '--json']);
  assert.equal(collected.code, 0, collected.output);
  assert.doesNotMatch(collected.output, /missing/);
});

test('a training job stopped by Slurm warning signal checkpoints, requeues itself, resumes and ends with the uninterrupted losses', async (t) => {
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'requeue-runs-'));
  const out = path.join(runs, 'bigan-quick');
  const args = ['--preset', 'quick', '--epochs', '40'];
  const submitted = await cliUnder(runs, ['train', ...args, '--out', out, '--engine', 'slurm']);
  assert.equal(submitted.code, 0, submitted.output);
  const job = jobId(submitted.output);
  const epochsDone = () =>
    fs.existsSync(path.join(out, 'history.json')) ? RunFolder.open(out).readHistory().length : 0;
  await until('the first epochs', () => epochsDone() >= 2, 300);
  sh('scancel', ['--batch', '--signal=USR1', job]);
  await until(`job ${job} to be requeued and finish`, () => queued(job) === '' && epochsDone() === 40, 600);
  const log = fs.readFileSync(
    path.join(
      runs,
      'slurm',
      fs.readdirSync(path.join(runs, 'slurm')).find((f) => f.endsWith('.out'))!,
    ),
    'utf8',
  );
  t.diagnostic(`job ${job} output:\n${log}`);
  assert.match(log, /stopped on request \d+ steps into epoch \d+|stopped on request after epoch \d+/);
  assert.match(log, /resuming .* (steps into epoch|after epoch)/);
  assert.match(
    fs.readFileSync(path.join(state, 'jobcomp.txt'), 'utf8'),
    new RegExp(`JobId=${job} .*JobState=COMPLETED`),
  );

  const reference = await train({
    runDir: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'reference-')), 'run'),
    config: makeConfig('quick', { epochs: 40 }),
    progress: silentProgress,
  });
  reference.model.dispose();
  const resumed = RunFolder.open(out).readHistory();
  reference.history.forEach((record, e) => {
    for (const [key, value] of Object.entries(record.losses)) {
      assert.ok(
        Math.abs(resumed[e].losses[key] - value) <= 1e-6,
        `epoch ${e + 1} ${key}: ${resumed[e].losses[key]} vs ${value}`,
      );
    }
  });
});
