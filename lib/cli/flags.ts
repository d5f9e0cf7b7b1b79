import fs from 'node:fs';
import { FIGURE_FORMATS, type FigureFormat } from '../plots/export.js';

/**
 * A whole-number option, or undefined when it was not given. Only plain decimal digits are accepted ('1.5',
 * '0x2', '-5', '' and 'abc' are errors naming the option), within [min, max].
 */
export function integerFlag(
  flag: string,
  value: string | undefined,
  range: { min?: number; max?: number } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = range;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new Error(`--${flag} must be a whole number from ${min} to ${max}, got '${value}'`);
  }
  return n;
}

/** One of `choices`, or `fallback` when the option was not given. */
export function choiceFlag<T extends string>(
  flag: string,
  value: string | undefined,
  choices: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value))
    throw new Error(`--${flag} must be one of ${choices.join(', ')}, got '${value}'`);
  return value as T;
}

/** `--formats svg,png,html`: every format known, all of them when the option was not given. */
export function formatsFlag(value: string | undefined): FigureFormat[] {
  if (value === undefined) return [...FIGURE_FORMATS];
  const formats = value.split(',').map((f) => f.trim());
  for (const f of formats) {
    if (!(FIGURE_FORMATS as readonly string[]).includes(f))
      throw new Error(`--formats: unknown format '${f}' (known: ${FIGURE_FORMATS.join(', ')})`);
  }
  return formats as FigureFormat[];
}

/**
 * `--out FOLDER` checked before any work: created if missing, and writable. A long computation must not end in
 * "cannot write". Returns the folder, or undefined when the option was not given.
 */
export function outFolderFlag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    fs.mkdirSync(value, { recursive: true });
    fs.accessSync(value, fs.constants.W_OK);
  } catch (error) {
    throw new Error(`--out ${value}: not a writable folder (${(error as Error).message})`, { cause: error });
  }
  return value;
}

/** `--jobs N --threads-per-job T` of a job pool: each a whole number from 1 to 256, undefined when not given. */
export function poolFlags(flags: { jobs?: string; threadsPerJob?: string }): { jobs?: number; threads?: number } {
  return {
    jobs: integerFlag('jobs', flags.jobs, { min: 1, max: 256 }),
    threads: integerFlag('threads-per-job', flags.threadsPerJob, { min: 1, max: 256 }),
  };
}
