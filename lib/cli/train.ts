import fs from 'node:fs';
import path from 'node:path';
import {
  makeConfig,
  MODEL_KINDS,
  type ModelKind,
  PRESET_NAMES,
  type PresetName,
  type TrainingConfig,
} from '../config/training-config.js';
import { RunFolder } from '../io/run-folder.js';
import { configKey } from '../training/cached-run.js';
import { choiceFlag, integerFlag, poolFlags } from './flags.js';
import { biganArgv, biganCommand, engineFlag, jobScript, shellWord, type SlurmOptions, submit } from './slurm.js';
import { poolLayout } from './throughput.js';
import { runSweep } from './sweep.js';
import { checkPretrainedFits, copyPretrainedInto, loadPretrained, type Pretrained } from '../experiments/pretrained.js';
import { STOPPED_EXIT_CODE, withStopOnSignals } from '../training/stop-signals.js';
import { train, type TrainOptions } from '../training/train.js';
import { runsDir } from '../util/paths.js';
import { defineCommand, POOL_OPTIONS, SLURM_OPTIONS } from './command.js';

export interface TrainFlags {
  model?: string;
  preset?: string;
  epochs?: string;
  /** Stop after this epoch, resumable (the first part of a longer schedule). */
  until?: string;
  seed?: string;
  /** Several seeds, each its own run in <out>-s<SEED>, trained as a local job pool. */
  seeds?: string;
  jobs?: string;
  threadsPerJob?: string;
  out?: string;
  resume: boolean;
  /** A pretrained model (data/pretrained/NAME, or pretrained/NAME) whose E and G start the run. */
  init?: string;
  engine?: string;
  partition?: string;
  gres?: string;
  time?: string;
  dryRun: boolean;
}

/**
 * The job script of `train --engine slurm`: one job that runs the command, resumes its run folder when requeued,
 * and requeues itself when the run stopped on Slurm's warning signal (USR1, `--signal`) or on a preemption's TERM.
 * The shell forwards either signal to the training process, which writes a checkpoint at the next step and exits
 * with STOPPED_EXIT_CODE; `scontrol requeue` then puts the job back in the queue (see requeueOnStop).
 */
function trainJobScript(out: string, args: string[], slurm: SlurmOptions): string {
  return jobScript(
    {
      name: `bigan-train-${path.basename(out)}`,
      directives: [`--output=${path.join(runsDir(), 'slurm', `train-${path.basename(out)}-%j.out`)}`],
      setup: [
        `args=(${args.map(shellWord).join(' ')})`,
        `if [ -f ${shellWord(path.join(out, 'config.json'))} ]; then args+=(--resume); fi`,
      ],
      command: `${biganCommand([])} "\${args[@]}"`,
    },
    slurm,
  );
}

/**
 * With --resume the run's own config.json decides; an option given beside it that says otherwise is refused,
 * naming each, rather than ignored.
 */
function checkResumeOptions(
  run: RunFolder,
  flags: TrainFlags,
  given: { model: ModelKind; preset: PresetName; epochs?: number; seed?: number },
): void {
  const { config } = run;
  const contradictions: string[] = [];
  if (flags.model !== undefined && given.model !== config.model)
    contradictions.push(`--model ${given.model} (the run is ${config.model})`);
  if (given.seed !== undefined && given.seed !== config.seed)
    contradictions.push(`--seed ${given.seed} (the run's is ${config.seed})`);
  if (given.epochs !== undefined && given.epochs !== config.epochs) {
    contradictions.push(
      `--epochs ${given.epochs} (the run's is ${config.epochs}; a longer run is a new run: train with --epochs into another --out)`,
    );
  }
  if (flags.preset !== undefined) {
    let samePreset: boolean;
    try {
      samePreset =
        configKey(makeConfig(given.preset, { model: config.model, seed: config.seed, epochs: config.epochs })) ===
        configKey(config);
    } catch {
      samePreset = false; // the preset cannot even hold this run's epochs
    }
    if (!samePreset) contradictions.push(`--preset ${given.preset} (the run was not made from it)`);
  }
  const init = run.readInit();
  if (flags.init !== undefined && pretrainedName(flags.init) !== init?.pretrained)
    contradictions.push(
      `--init ${flags.init} (the run started from ${init ? `pretrained '${String(init.pretrained)}'` : 'scratch'})`,
    );
  if (contradictions.length > 0) {
    throw new Error(
      `--resume continues the run's own config; these options contradict it: ${contradictions.join('; ')}`,
    );
  }
}

/** `--init pretrained/NAME` or `--init NAME`: the name in data/pretrained/. */
function pretrainedName(flag: string): string {
  return flag.replace(/^(data\/)?pretrained\//, '').replace(/\/$/, '');
}

/**
 * The start of a run from pretrained weights: those of `name` for a new run, or those its init.json names on
 * --resume (applied only while the run has no checkpoint). A config they do not fit is refused now, before the run
 * folder is touched.
 */
async function pretrainedStart(
  name: string,
  config: TrainingConfig,
): Promise<Pretrained & Required<Pick<TrainOptions, 'initialise'>>> {
  const pretrained = await loadPretrained(name);
  checkPretrainedFits(pretrained, config);
  const { manifest } = pretrained;
  return {
    ...pretrained,
    initialise: {
      record: {
        pretrained: manifest.name,
        epoch: manifest.epoch,
        sourceRun: manifest.sourceRun,
        files: manifest.files,
      },
      apply: (model) => copyPretrainedInto(pretrained, model, config),
    },
  };
}

/**
 * `bigan train --model bigan --preset quick|reproduction|paper|official [--epochs N] [--until E] [--seed S] [--out DIR] [--resume]
 * [--init pretrained/NAME] [--engine local|slurm ...]`.
 */
export async function trainCommand(flags: TrainFlags): Promise<number> {
  const model = choiceFlag('model', flags.model, MODEL_KINDS, 'bigan');
  const preset = choiceFlag('preset', flags.preset, PRESET_NAMES, 'quick');
  if (model === 'bigbigan')
    throw new Error('BigBiGAN trains through its ablation runner: npx bigan ablate --rows base [--budget table]');
  const out = path.resolve(flags.out ?? path.join(runsDir(), `${model}-${preset}`));
  const epochs = integerFlag('epochs', flags.epochs, { min: 1 });
  const until = integerFlag('until', flags.until, { min: 1 });
  const seed = integerFlag('seed', flags.seed, { max: 2 ** 32 - 1 });
  const slurm = { partition: flags.partition, gres: flags.gres, time: flags.time, dryRun: flags.dryRun };
  if (engineFlag(flags.engine, slurm) === 'slurm') {
    if (flags.resume) throw new Error('--engine slurm resumes by itself when the run folder exists; drop --resume');
    makeConfig(preset, { model, ...(epochs !== undefined && { epochs }), ...(seed !== undefined && { seed }) });
    const args = ['train', '--model', model, '--preset', preset, '--out', out];
    if (epochs !== undefined) args.push('--epochs', String(epochs));
    if (seed !== undefined) args.push('--seed', String(seed));
    if (flags.init !== undefined) args.push('--init', pretrainedName(flags.init));
    submit(`train-${path.basename(out)}`, trainJobScript(out, args, slurm), slurm);
    return 0;
  }
  if (flags.engine === 'slurm' && until !== undefined) throw new Error('--until is for local runs');
  if (flags.seeds !== undefined) return await trainSeeds(flags, { model, preset, out, epochs, until });
  if (flags.jobs !== undefined || flags.threadsPerJob !== undefined)
    throw new Error('--jobs and --threads-per-job run several seeds at once: give them with --seeds');
  const existing = flags.resume ? RunFolder.open(out) : null;
  if (existing) checkResumeOptions(existing, flags, { model, preset, epochs, seed });
  const config = existing
    ? undefined
    : makeConfig(preset, {
        model,
        ...(epochs !== undefined && { epochs }),
        ...(seed !== undefined && { seed }),
      });
  // A resumed run's checkpoints hold its weights: the pretrained model is needed (and must still be there) only
  // when the run stopped before its first checkpoint.
  const initName = existing
    ? existing.checkpoints().length === 0
      ? existing.readInit()?.pretrained
      : undefined
    : flags.init && pretrainedName(flags.init);
  if (initName !== undefined && typeof initName !== 'string')
    throw new Error(`${existing!.initFile}: 'pretrained' must name a pretrained model`);
  const start = initName ? await pretrainedStart(initName, existing?.config ?? config!) : null;
  // Ctrl-C, a pool's or a preemption's TERM, or a scheduler's warning (USR1): checkpoint at the next step and exit,
  // resumable.
  let result;
  try {
    result = await withStopOnSignals(
      (stop) =>
        train({ runDir: out, config, resume: flags.resume, stop, initialise: start?.initialise, untilEpoch: until }),
      (signal) => console.error(`${signal}: stopping at the next step, with a checkpoint`),
    );
  } finally {
    start?.model.dispose();
  }
  const done = result.history.length;
  if (result.stopped && until !== undefined && done >= until) {
    console.log(
      `stopped after epoch ${done} as asked (--until ${until}) with a checkpoint in ${result.run.dir}; --resume goes on to epoch ${result.run.config.epochs}`,
    );
    return 0;
  }
  if (result.stopped) {
    console.log(`stopped on a signal with a checkpoint in ${result.run.dir}; continue with --resume`);
    return STOPPED_EXIT_CODE;
  }
  console.log(
    `finished ${result.history.length} epochs in ${result.run.dir} (${result.seconds.toFixed(0)} s this session); evaluate with: npx bigan eval --run ${result.run.dir}`,
  );
  return 0;
}

/**
 * `train --seeds 1,2,3 [--jobs N] [--threads-per-job T]`: one run per seed, in <out>-s<SEED>, as a local job pool
 * (each seed's own `bigan train`, resumed where its folder exists). The layout defaults to what `info` measured.
 */
async function trainSeeds(
  flags: TrainFlags,
  run: { model: ModelKind; preset: PresetName; out: string; epochs?: number; until?: number },
): Promise<number> {
  if (flags.seed !== undefined) throw new Error('give either --seed S or --seeds S1,S2,...');
  if (flags.resume) throw new Error('--seeds resumes each seed whose folder exists by itself; drop --resume');
  const seeds = flags.seeds!.split(',').map((text) => integerFlag('seeds', text.trim(), { max: 2 ** 32 - 1 })!);
  if (new Set(seeds).size !== seeds.length) throw new Error(`--seeds: a seed is named twice in '${flags.seeds}'`);
  const { jobs, threads } = poolFlags(flags);
  makeConfig(run.preset, { model: run.model, ...(run.epochs !== undefined && { epochs: run.epochs }) });
  const layout = await poolLayout(jobs, threads);
  const tasks = seeds.map((seed) => {
    const out = `${run.out}-s${seed}`;
    const args = ['train', '--model', run.model, '--preset', run.preset, '--seed', String(seed), '--out', out];
    if (run.epochs !== undefined) args.push('--epochs', String(run.epochs));
    if (run.until !== undefined) args.push('--until', String(run.until));
    if (flags.init !== undefined) args.push('--init', pretrainedName(flags.init));
    const exists = fs.existsSync(path.join(out, 'config.json'));
    if (exists) args.push('--resume');
    return {
      label: `seed ${seed}`,
      command: biganArgv(args),
      log: `${out}.log`,
      finished: exists && trainedTo(out, run.until),
      resumes: exists,
    };
  });
  return runSweep(tasks, layout, `runs in ${run.out}-s<SEED>, logs beside them`);
}

/**
 * Whether the run in `dir` has its epochs (or `until` of them) behind it. A folder that cannot be read counts as
 * unfinished: its own task then names what is wrong, in its log, while the sweep's other seeds go on.
 */
function trainedTo(dir: string, until: number | undefined): boolean {
  try {
    const run = RunFolder.open(dir);
    return run.readHistory().length >= (until ?? run.config.epochs);
  } catch {
    return false;
  }
}

/** `bigan train`. */
export const trainCli = defineCommand({
  name: 'train',
  summary: 'train BiGAN or a CBiGAN from a preset, resumable, one seed or a pool of seeds, locally or on Slurm',
  usage: `bigan train --model bigan|cbigan|cbigan-extended --preset quick|reproduction|paper|official [--epochs N]
            [--until E] [--seed S] [--out DIR] [--resume] [--init pretrained/NAME]
            [--engine local|slurm [--partition P] [--gres gpu:1] [--time HH:MM] [--dry-run]]
            [--seeds S1,S2,... [--jobs N] [--threads-per-job T]]

Trains a run folder (under runs/ unless --out). --resume continues from the last checkpoint (options given with
--resume must agree with the run's config). --init starts E and G from a pretrained model of data/pretrained/
(fine-tuning; D starts afresh). On USR1 or TERM (and Ctrl-C) it writes a checkpoint at the next step and exits 75.
--until E stops after epoch E with a checkpoint (the first part of the run's schedule; --resume without it goes on).
--seeds trains one run per seed, in DIR-sSEED, as a local job pool (see ablate). --engine slurm submits one job
that resumes when requeued and requeues itself on Slurm's warning signal (--dry-run prints the script).`,
  options: {
    model: { type: 'string' },
    preset: { type: 'string' },
    epochs: { type: 'string' },
    until: { type: 'string' },
    seed: { type: 'string' },
    seeds: { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'boolean', default: false },
    init: { type: 'string' },
    ...POOL_OPTIONS,
    ...SLURM_OPTIONS,
  },
  run: (values) => trainCommand({ ...values, threadsPerJob: values['threads-per-job'], dryRun: values['dry-run'] }),
});
