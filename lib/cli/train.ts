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
/**
 * With --resume the run's own config.json decides; an option given beside it that says otherwise is refused,
 * naming each, rather than ignored.
 */
function checkResumeOptions(
  config: TrainingConfig,
  flags: TrainFlags,
  given: { model: ModelKind; preset: PresetName; epochs?: number; seed?: number },
): void {
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
  if (contradictions.length > 0) {
    throw new Error(
      `--resume continues the run's own config; these options contradict it: ${contradictions.join('; ')}`,
    );
  }
}

export async function trainCommand(flags: TrainFlags): Promise<number> {
  const model = choiceFlag('model', flags.model, MODEL_KINDS, 'bigan');
  const preset = choiceFlag('preset', flags.preset, PRESET_NAMES, 'quick');
  if (model === 'bigbigan')
    throw new Error('BigBiGAN trains through its ablation runner: npx bigan ablate --rows base [--budget table]');
  const out = flags.out ?? path.join(projectRoot(), 'runs', `${model}-${preset}`);
  const epochs = integerFlag('epochs', flags.epochs, { min: 1 });
  const seed = integerFlag('seed', flags.seed, { max: 2 ** 32 - 1 });
  if (flags.resume) checkResumeOptions(RunFolder.open(out).config, flags, { model, preset, epochs, seed });
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
