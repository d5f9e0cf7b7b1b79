import { parseArgs } from 'node:util';

/** The options a command takes, in the form `node:util`'s parseArgs reads. */
export type OptionSpecs = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;

/** What parseArgs makes of a command's arguments under `O`: each option typed by its spec. */
export type OptionValues<O extends OptionSpecs> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>
>['values'];

/**
 * One `bigan` command: its name and one-line summary for the command list, the usage `bigan help NAME` prints
 * (synopsis, then what the options do), its options, and what it runs with them. `run` returns the exit code.
 */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: OptionSpecs;
  /** Left out of the command list: a command other commands run, not a user. */
  readonly hidden?: boolean;
  /** Parses `args` against the command's options and runs it. */
  run(args: string[]): Promise<number> | number;
}

/**
 * A command from its option specs and a `run` that receives the parsed values, typed from the specs. An unknown
 * option or a stray positional argument is an error naming it.
 */
export function defineCommand<O extends OptionSpecs>(spec: {
  name: string;
  summary: string;
  usage: string;
  hidden?: boolean;
  options: O;
  run(values: OptionValues<O>): Promise<number> | number;
}): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    options: spec.options,
    hidden: spec.hidden,
    run: (args) => spec.run(parseArgs({ args, options: spec.options, strict: true, allowPositionals: false }).values),
  };
}

/** A local job pool's layout (train --seeds and ablate): tasks at once, and threads each. */
export const POOL_OPTIONS = {
  jobs: { type: 'string' },
  'threads-per-job': { type: 'string' },
} as const;

/** Where a sweep or a long run goes on a Slurm cluster (train and ablate). */
export const SLURM_OPTIONS = {
  engine: { type: 'string' },
  partition: { type: 'string' },
  gres: { type: 'string' },
  time: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
} as const;

/** The value of an option a command cannot run without. */
export function required(flag: string, value: string | undefined): string {
  if (value === undefined) throw new Error(`--${flag} is required`);
  return value;
}
