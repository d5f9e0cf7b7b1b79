import path from 'node:path';
import { makeConfig, MODEL_KINDS, type ModelKind, type PresetName, PRESET_NAMES } from '../training/config.js';
import { train } from '../training/train.js';
import { projectRoot } from '../io/paths.js';

export interface TrainFlags {
  model: string;
  preset: string;
  epochs?: string;
  seed?: string;
  out?: string;
  resume: boolean;
}

function parseInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`--${flag} must be an integer, got '${value}'`);
  return n;
}

/** `bigan train --model bigan --preset quick|reproduction|paper [--epochs N] [--seed S] [--out DIR] [--resume]`. */
export async function trainCommand(flags: TrainFlags): Promise<number> {
  if (!(MODEL_KINDS as readonly string[]).includes(flags.model)) throw new Error(`--model must be one of ${MODEL_KINDS.join(', ')}, got '${flags.model}'`);
  if (flags.model === 'bigbigan') throw new Error('BigBiGAN trains through its ablation runner: npx bigan ablate --rows base [--budget table]');
  if (!(PRESET_NAMES as readonly string[]).includes(flags.preset)) throw new Error(`--preset must be one of ${PRESET_NAMES.join(', ')}, got '${flags.preset}'`);
  const out = flags.out ?? path.join(projectRoot(), 'runs', `${flags.model}-${flags.preset}`);
  const epochs = parseInteger('epochs', flags.epochs);
  const seed = parseInteger('seed', flags.seed);
  const config = flags.resume ? undefined : makeConfig(flags.preset as PresetName, {
    model: flags.model as ModelKind, ...(epochs !== undefined && { epochs }), ...(seed !== undefined && { seed }),
  });
  const result = await train({ runDir: out, config, resume: flags.resume });
  console.log(`finished ${result.history.length} epochs in ${result.run.dir} (${result.seconds.toFixed(0)} s this session); evaluate with: npx bigan eval --run ${result.run.dir}`);
  return 0;
}
