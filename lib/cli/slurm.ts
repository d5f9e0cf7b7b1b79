import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { STOPPED_EXIT_CODE } from '../training/stop-signals.js';
import { writeFileAtomic } from '../util/atomic.js';
import { projectRoot, runsDir } from '../util/paths.js';
import { choiceFlag } from './flags.js';

export const ENGINES = ['local', 'slurm'] as const;

/** Where a job runs and what it may use, from `--partition`, `--gres`, `--time`. */
export interface SlurmOptions {
  partition?: string;
  gres?: string;
  time?: string;
  dryRun: boolean;
}

/** `--engine local|slurm`; the Slurm options are refused with the local engine rather than ignored. */
export function engineFlag(
  value: string | undefined,
  slurm: Omit<SlurmOptions, 'dryRun'> & { dryRun?: boolean },
): 'local' | 'slurm' {
  const engine = choiceFlag('engine', value, ENGINES, 'local');
  const given = Object.entries(slurm)
    .filter(([, v]) => v !== undefined && v !== false)
    .map(([k]) => `--${k === 'dryRun' ? 'dry-run' : k}`);
  if (engine === 'local' && given.length > 0)
    throw new Error(`${given.join(', ')} ${given.length > 1 ? 'need' : 'needs'} --engine slurm`);
  if (slurm.time !== undefined && !/^(\d+-)?\d{1,2}:\d{2}(:\d{2})?$/.test(slurm.time)) {
    throw new Error(`--time must be Slurm's HH:MM, HH:MM:SS or D-HH:MM:SS, got '${slurm.time}'`);
  }
  for (const [flag, value] of [
    ['partition', slurm.partition],
    ['gres', slurm.gres],
  ] as const) {
    if (value !== undefined && !/^[\w.:,=-]+$/.test(value))
      throw new Error(`--${flag}: unexpected characters in '${value}'`);
  }
  return engine;
}

/** Quotes a word for bash. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Seconds between Slurm's warning signal and the time limit: enough for a step and a checkpoint. */
const SIGNAL_GRACE = 120;

/** What a job script of this project is made of, beside the options every job takes. */
export interface JobParts {
  name: string;
  /** The job's own #SBATCH options (`--array`, `--output`). */
  directives: string[];
  /** Shell lines run before the command (its arguments, as bash arrays). */
  setup: string[];
  /** The training command, run by {@link requeueOnStop}. */
  command: string;
}

/**
 * A job that requeues itself: every job's #SBATCH lines and set-up, then USR1 to the batch shell two minutes before
 * the time limit, one output file across the job's requeued runs, and the command run by {@link requeueOnStop}.
 */
export function jobScript(job: JobParts, slurm: SlurmOptions): string {
  return [
    sbatchHeader(job.name, slurm, [
      ...job.directives,
      '--requeue',
      `--signal=B:USR1@${SIGNAL_GRACE}`,
      '--open-mode=append',
    ]),
    ...job.setup,
    ...requeueOnStop(job.command),
  ].join('\n');
}

/**
 * The job-script lines that run `command` in the background, forward Slurm's warning signal (USR1) or a
 * preemption's TERM to it as USR1, wait until it has exited, and requeue the job when it stopped on that signal.
 * Stopped means exit STOPPED_EXIT_CODE, or death by a signal after the forwarded one: native TensorFlow has, rarely,
 * aborted at exit (glibc heap corruption) after writing its checkpoint. Checkpoints are written atomically, so the
 * requeued job resumes from the newest whole one. A crash nobody asked for, or an error exit, is not requeued.
 */
export function requeueOnStop(command: string): string[] {
  return [
    `${command} &`,
    'child=$!',
    'forwarded=0',
    `trap 'forwarded=1; kill -USR1 "$child" 2>/dev/null' USR1 TERM`,
    // A trapped signal ends `wait` early (status 128 + signal): wait until the process is gone, then once more
    // for its own status, which bash keeps for a child it has reaped.
    'while kill -0 "$child" 2>/dev/null; do wait "$child"; done',
    'wait "$child"',
    'status=$?',
    `if [ "$status" -eq ${STOPPED_EXIT_CODE} ] || { [ "$forwarded" -eq 1 ] && [ "$status" -gt 128 ]; }; then`,
    // An array task by ARRAYID_TASKID: one task's own SLURM_JOB_ID is the array's id, which would requeue them all.
    '  job="$SLURM_JOB_ID"',
    '  if [ -n "${SLURM_ARRAY_JOB_ID:-}" ]; then job="${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"; fi',
    '  scontrol requeue "$job"',
    'fi',
    'exit "$status"',
  ];
}

/** The #SBATCH lines every job of this project carries, then the job's own. */
function sbatchHeader(name: string, options: SlurmOptions, lines: string[]): string {
  return [
    '#!/bin/bash',
    `#SBATCH --job-name=${name}`,
    ...(options.partition ? [`#SBATCH --partition=${options.partition}`] : []),
    ...(options.gres ? [`#SBATCH --gres=${options.gres}`] : []),
    ...(options.time ? [`#SBATCH --time=${options.time}`] : []),
    ...lines.map((line) => `#SBATCH ${line}`),
    'set -u',
    `cd ${shellWord(projectRoot())}`,
    // The tasks share the runs folder this command saw; BIGAN_RUNS_DIR carries it into every task.
    `export BIGAN_RUNS_DIR=${shellWord(runsDir())}`,
  ].join('\n');
}

/** The `bigan` command as a job runs it: this checkout's Node.js and CLI, by absolute path. */
export function biganCommand(args: string[]): string {
  return biganArgv(args).map(shellWord).join(' ');
}

/** {@link biganCommand} as a program and its arguments, for a child process. */
export function biganArgv(args: string[]): string[] {
  return [process.execPath, path.join(projectRoot(), 'bin', 'bigan.js'), ...args];
}

/**
 * Writes the job script under <runs>/slurm/ and submits it with `sbatch`, printing the job id; with `dryRun` it
 * prints the script instead. Returns the script's path.
 */
export function submit(name: string, script: string, options: SlurmOptions): string {
  const dir = path.join(runsDir(), 'slurm');
  const file = path.join(dir, `${name}.sh`);
  if (options.dryRun) {
    console.log(script);
    return file;
  }
  // Slurm opens each task's output file in this folder too: it must exist before the job starts.
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(file, `${script}\n`);
  const result = spawnSync('sbatch', ['--parsable', file], { encoding: 'utf8' });
  if (result.error)
    throw new Error(`sbatch could not be run (${result.error.message}): is Slurm installed and on PATH?`);
  if (result.status !== 0) throw new Error(`sbatch ${file} failed: ${result.stderr.trim()}`);
  console.log(`submitted ${file} as Slurm job ${result.stdout.trim()}`);
  return file;
}
