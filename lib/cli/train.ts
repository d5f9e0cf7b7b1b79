import path from 'node:path';
import { makeConfig, MODEL_KINDS, PRESET_NAMES } from '../config/training-config.js';
import { choiceFlag, integerFlag } from './flags.js';
import { train } from '../training/train.js';
import { projectRoot } from '../util/paths.js';

export interface TrainFlags {
  model?: string;
  preset?: string;
  epochs?: string;
  seed?: string;
  out?: string;
  resume: boolean;
}

/** `bigan train --model bigan --preset quick|reproduction|paper [--epochs N] [--seed S] [--out DIR] [--resume]`. */
export async function trainCommand(flags: TrainFlags): Promise<number> {
  const model = choiceFlag('model', flags.model, MODEL_KINDS, 'bigan');
  const preset = choiceFlag('preset', flags.preset, PRESET_NAMES, 'quick');
  if (model === 'bigbigan')
    throw new Error('BigBiGAN trains through its ablation runner: npx bigan ablate --rows base [--budget table]');
  const out = flags.out ?? path.join(projectRoot(), 'runs', `${model}-${preset}`);
  const epochs = integerFlag('epochs', flags.epochs, { min: 1 });
  const seed = integerFlag('seed', flags.seed, { max: 2 ** 32 - 1 });
  const config = flags.resume
    ? undefined
    : makeConfig(preset, {
        model,
        ...(epochs !== undefined && { epochs }),
        ...(seed !== undefined && { seed }),
      });
  const result = await train({ runDir: out, config, resume: flags.resume });
  console.log(
    `finished ${result.history.length} epochs in ${result.run.dir} (${result.seconds.toFixed(0)} s this session); evaluate with: npx bigan eval --run ${result.run.dir}`,
  );
  return 0;
}
