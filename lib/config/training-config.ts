import type { BiganArchitecture } from '../models/bigan.js';
import type { BigBiganSettings } from '../models/bigbigan.js';
import { UNARIES } from '../losses/hinge.js';

export type { BiganArchitecture, BigBiganSettings };

export const MODEL_KINDS = ['bigan', 'cbigan', 'cbigan-extended', 'bigbigan'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** How the base learning rate changes over epochs. */
export type LearningRateSchedule =
  | { kind: 'constant' }
  /** Constant until `decayStartEpoch`, then exponential decay reaching `finalLearningRate` at the last epoch. */
  | { kind: 'exponential-decay'; decayStartEpoch: number; finalLearningRate: number };

/** Which training digits a run learns from: see {@link TrainingConfig.trainSet}. */
export const TRAIN_SETS = ['first', 'official-bigan'] as const;
export type TrainSet = (typeof TRAIN_SETS)[number];

/** Everything that defines a training run; a run folder stores it as config.json. */
export interface TrainingConfig {
  model: ModelKind;
  architecture: BiganArchitecture;
  epochs: number;
  batchSize: number;
  /** Base learning rate of D and G (and of E before its multiplier). */
  learningRate: number;
  /** E's learning rate is learningRate x this (BigBiGAN's ablation uses 10; 0 leaves E untrained, a control). */
  encoderLearningRateMultiplier: number;
  beta1: number;
  beta2: number;
  weightDecay: number;
  /**
   * Decay of an exponential moving average of E's and G's weights, which evaluation uses in their place (BigGAN's
   * EMA of G); 0 = none, the trained weights are evaluated.
   */
  emaDecay: number;
  schedule: LearningRateSchedule;
  /** Seeds initialisation, data order and z. */
  seed: number;
  /** Save a checkpoint every this many epochs (and after the last). */
  checkpointEvery: number;
  /** Checkpoints kept on disk; older ones are deleted. */
  keepCheckpoints: number;
  /**
   * A checkpoint at a multiple of this many epochs is never deleted (0 = none): the milestones a long run is
   * evaluated at (100, 200, 300 and 400 for the paper preset).
   */
  keepEvery: number;
  /** Train on the first N training images only (0 = all 60,000); for quick runs. */
  trainLimit: number;
  /** BigBiGAN's settings; null for the BiGANs. */
  bigbigan: BigBiganSettings | null;
  /**
   * `first`: the first `trainLimit` digits of MNIST's training file (all 60,000 at 0). `official-bigan`: the 50,000
   * the official BiGAN code trains on, its 10,000 validation digits held out (data/splits/bigan-official-mnist.json);
   * with a `trainLimit`, the first that many of the 50,000 (for tests).
   */
  trainSet: TrainSet;
  /**
   * `alternating`: D's update, then E and G's against the updated D. `simultaneous`: E, G and D all step from
   * gradients taken at the same weights (the official code's `update_both`).
   */
  update: 'alternating' | 'simultaneous';
  /** Each adversarial loss as the `sum` of its two terms (real and generated pairs), or their `mean` (the official code's). */
  lossTerms: 'sum' | 'mean';
  /**
   * An epoch's last, short batch: `drop` it, or `wrap` it around to the epoch's first digits so that every digit
   * is seen (the official code's ceil(50,000 / 128) = 391 steps an epoch).
   */
  lastBatch: 'drop' | 'wrap';
  /**
   * Evaluation first re-estimates E's and G's batch-norm statistics over this many training batches with the
   * weights frozen (the official code's `--deploy_iters`); 0 evaluates with the running averages of training.
   */
  batchNormEstimate: number;
}

export const PRESET_NAMES = ['quick', 'reproduction', 'paper', 'official'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const REPRODUCTION_ARCHITECTURE: BiganArchitecture = {
  latentSize: 50,
  hiddenUnits: 1024,
  encoderOutput: 'linear',
  discriminatorLatent: 'input',
  initStddev: 0.02,
  bias: true,
  batchNormAffine: true,
  layout: 'reproduction',
};

/** The loop's and evaluation's settings as this project had them before the official preset. */
const REPRODUCTION_LOOP = {
  trainSet: 'first',
  update: 'alternating',
  lossTerms: 'sum',
  lastBatch: 'drop',
  batchNormEstimate: 0,
} as const;

/** The official code's optimiser, schedule and checkpoints, shared by `paper` and `official`. */
const OFFICIAL_OPTIMISATION = {
  model: 'bigan',
  epochs: 400,
  batchSize: 128,
  learningRate: 2e-4,
  encoderLearningRateMultiplier: 1,
  beta1: 0.5,
  beta2: 0.999,
  weightDecay: 2.5e-5,
  emaDecay: 0,
  schedule: { kind: 'exponential-decay', decayStartEpoch: 200, finalLearningRate: 2e-6 },
  seed: 1,
  checkpointEvery: 5,
  keepCheckpoints: 3,
  trainLimit: 0,
  bigbigan: null,
} as const;

/**
 * `quick`: seconds, for tests and CI. `reproduction`: the PyTorch reproduction (400 epochs, lr 2e-5,
 * weight decay 1e-5). `paper`: the official code's optimiser settings and schedule (lr 2e-4, weight decay 2.5e-5,
 * 200 epochs then 200 epochs of exponential decay to 2e-6) on the PyTorch reproduction's networks, updates and
 * data; it is not the official code. `official`: the official MNIST BiGAN as jeffdonahue/bigan's train_mnist.sh
 * runs it, read from its train_gan.py, net.py, gan.py, dist.py, load.py and lib/updates.py:
 * - networks (net.py mnist_mlp and deconvnet_mnist_mlp, `--nobias --nogain`): no biases, batch norm without gain
 *   or shift (epsilon 1e-8); G = z -> 1024 (BN, ReLU) -> 1024 (z projected in, BN, ReLU) -> 784 sigmoid;
 *   E = x -> 1024 (LeakyReLU 0.2) -> 1024 (BN, LeakyReLU) -> 50; D = x -> 1024 (LeakyReLU) -> 1024 (z projected
 *   in, BN, LeakyReLU) -> 1 logit, its last layer starting at zero; N(0, 0.02) weights otherwise;
 * - E's output l is squashed to 2 sigmoid(l) - 1 in [-1, 1] before D or G see it (dist.py's uniform
 *   `logits_to_sample`); the 1NN on E(x) reads l (`l2distable`);
 * - D, E and G updated simultaneously from one batch (`update_both`), each loss the mean of its two terms, D's
 *   batch norm normalising the encoder pairs and the generator pairs separately;
 * - Adam (beta1 0.5) at 2e-4 with L2 2.5e-5 added to every gradient (there are only weights to decay), 200
 *   epochs, then 200 of exponential decay to 0.01x; batches of 128, 391 steps an epoch;
 * - trained on the official 50,000 digits; evaluation re-estimates batch-norm statistics over 1,000 batches
 *   (`--deploy_iters 1000`).
 * What differs, and why, is listed in the README ("The official protocol").
 */
export const PRESETS: Record<PresetName, TrainingConfig> = {
  quick: {
    ...OFFICIAL_OPTIMISATION,
    architecture: { ...REPRODUCTION_ARCHITECTURE, hiddenUnits: 128 },
    epochs: 2,
    batchSize: 64,
    schedule: { kind: 'constant' },
    checkpointEvery: 1,
    keepCheckpoints: 2,
    keepEvery: 0,
    trainLimit: 2048,
    ...REPRODUCTION_LOOP,
  },
  reproduction: {
    model: 'bigan',
    architecture: REPRODUCTION_ARCHITECTURE,
    epochs: 400,
    batchSize: 128,
    learningRate: 2e-5,
    encoderLearningRateMultiplier: 1,
    beta1: 0.5,
    beta2: 0.999,
    weightDecay: 1e-5,
    emaDecay: 0,
    schedule: { kind: 'constant' },
    seed: 1,
    checkpointEvery: 5,
    keepCheckpoints: 3,
    keepEvery: 100,
    trainLimit: 0,
    bigbigan: null,
    ...REPRODUCTION_LOOP,
  },
  paper: {
    ...OFFICIAL_OPTIMISATION,
    architecture: REPRODUCTION_ARCHITECTURE,
    keepEvery: 100,
    ...REPRODUCTION_LOOP,
  },
  official: {
    ...OFFICIAL_OPTIMISATION,
    architecture: {
      ...REPRODUCTION_ARCHITECTURE,
      encoderOutput: 'squash',
      discriminatorLatent: 'projection',
      bias: false,
      batchNormAffine: false,
      layout: 'official',
    },
    // Every 50 epochs is kept: the milestones the official protocol is evaluated at.
    keepEvery: 50,
    trainSet: 'official-bigan',
    update: 'simultaneous',
    lossTerms: 'mean',
    lastBatch: 'wrap',
    batchNormEstimate: 1000,
  },
};

/** A config value that is missing, unknown or out of range; the message names the field. */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`config field '${field}': ${problem}`);
    this.name = 'ConfigError';
  }
}

type Check = (value: unknown, field: string) => void;

const number =
  (min: number, max: number, { integer = false, minExclusive = false } = {}): Check =>
  (value, field) => {
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new ConfigError(field, `must be a finite number, got ${JSON.stringify(value)}`);
    if (integer && !Number.isInteger(value)) throw new ConfigError(field, `must be an integer, got ${value}`);
    if (minExclusive ? value <= min : value < min)
      throw new ConfigError(field, `must be ${minExclusive ? '>' : '>='} ${min}, got ${value}`);
    if (value > max) throw new ConfigError(field, `must be <= ${max}, got ${value}`);
  };

const oneOf =
  (choices: readonly string[]): Check =>
  (value, field) => {
    if (typeof value !== 'string' || !choices.includes(value))
      throw new ConfigError(field, `must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  };

function checkObject(value: unknown, field: string, checks: Record<string, Check>): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(field, 'must be an object');
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(key in checks))
      throw new ConfigError(
        field ? `${field}.${key}` : key,
        `unknown field (known: ${Object.keys(checks).join(', ')})`,
      );
  }
  for (const [key, check] of Object.entries(checks)) {
    const path = field ? `${field}.${key}` : key;
    if (!(key in record)) throw new ConfigError(path, 'missing');
    check(record[key], path);
  }
}

const ARCHITECTURE_CHECKS: Record<string, Check> = {
  latentSize: number(1, 4096, { integer: true }),
  hiddenUnits: number(1, 16384, { integer: true }),
  encoderOutput: oneOf(['linear', 'tanh', 'squash']),
  discriminatorLatent: oneOf(['input', 'projection']),
  initStddev: number(0, 1, { minExclusive: true }),
  bias: (value, field) => flag(value, field),
  batchNormAffine: (value, field) => flag(value, field),
  layout: oneOf(['reproduction', 'official']),
};

const schedule: Check = (value, field) => {
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (kind === 'constant') checkObject(value, field, { kind: oneOf(['constant']) });
  else if (kind === 'exponential-decay') {
    checkObject(value, field, {
      kind: oneOf(['exponential-decay']),
      decayStartEpoch: number(0, 1e6, { integer: true }),
      finalLearningRate: number(0, 1, { minExclusive: true }),
    });
  } else throw new ConfigError(`${field}.kind`, `must be constant or exponential-decay, got ${JSON.stringify(kind)}`);
};

const flag: Check = (value, field) => {
  if (typeof value !== 'boolean') throw new ConfigError(field, `must be true or false, got ${JSON.stringify(value)}`);
};

const BIGBIGAN_CHECKS: Record<string, Check> = {
  generatorChannels: number(1, 1024, { integer: true }),
  encoderChannels: number(1, 1024, { integer: true }),
  discriminatorChannels: number(1, 1024, { integer: true }),
  stochasticEncoder: flag,
  prior: oneOf(['gaussian', 'uniform']),
  unaries: oneOf(UNARIES),
  encoder: flag,
  highResolutionEncoder: flag,
  pairedInit: flag,
};

const CONFIG_CHECKS: Record<string, Check> = {
  model: oneOf(MODEL_KINDS),
  architecture: (value, field) => checkObject(value, field, ARCHITECTURE_CHECKS),
  epochs: number(1, 100000, { integer: true }),
  batchSize: number(2, 65536, { integer: true }),
  learningRate: number(0, 1, { minExclusive: true }),
  encoderLearningRateMultiplier: number(0, 1000),
  beta1: number(0, 1, { minExclusive: false }),
  beta2: number(0, 1),
  weightDecay: number(0, 1),
  emaDecay: (value, field) => {
    number(0, 1)(value, field);
    if ((value as number) >= 1) throw new ConfigError(field, 'must be below 1 (0 = no average)');
  },
  schedule,
  seed: number(0, 2 ** 32 - 1, { integer: true }),
  checkpointEvery: number(1, 100000, { integer: true }),
  keepCheckpoints: number(1, 1000, { integer: true }),
  keepEvery: number(0, 100000, { integer: true }),
  trainLimit: number(0, 60000, { integer: true }),
  bigbigan: (value, field) => {
    if (value !== null) checkObject(value, field, BIGBIGAN_CHECKS);
  },
  trainSet: oneOf(TRAIN_SETS),
  update: oneOf(['alternating', 'simultaneous']),
  lossTerms: oneOf(['sum', 'mean']),
  lastBatch: oneOf(['drop', 'wrap']),
  batchNormEstimate: number(0, 100000, { integer: true }),
};

/** Fields added after configs were first written, with the value that a config without them meant. */
export const LATER_FIELD_DEFAULTS = { ...REPRODUCTION_LOOP, keepEvery: 0, emaDecay: 0 } as const;
export const LATER_ARCHITECTURE_DEFAULTS = { bias: true, batchNormAffine: true, layout: 'reproduction' } as const;

/**
 * Brings a config written by an earlier version up to date before validation: configs from before BigBiGAN have
 * no `bigbigan` field, which means null for the BiGANs they describe, configs from before milestones have no
 * `keepEvery`, which means 0, and BigBiGAN configs from before the no-encoder row have no `bigbigan.encoder`,
 * which means true (and before paired seeds no `bigbigan.pairedInit`, which means false); configs from before
 * weight averaging have no `emaDecay`, which means 0; configs from before the official preset have none of its
 * fields, which means the reproduction's values ({@link LATER_FIELD_DEFAULTS}, {@link LATER_ARCHITECTURE_DEFAULTS}).
 */
export function upgradeConfig(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const upgraded: Record<string, unknown> = { ...LATER_FIELD_DEFAULTS, ...raw };
  if (!('bigbigan' in upgraded) && upgraded.model !== 'bigbigan') upgraded.bigbigan = null;
  const architecture = upgraded.architecture;
  if (architecture && typeof architecture === 'object' && !Array.isArray(architecture))
    upgraded.architecture = { ...LATER_ARCHITECTURE_DEFAULTS, ...architecture };
  const bigbigan = upgraded.bigbigan;
  if (bigbigan && typeof bigbigan === 'object' && !('encoder' in bigbigan))
    upgraded.bigbigan = { ...(upgraded.bigbigan as object), encoder: true };
  if (bigbigan && typeof bigbigan === 'object' && !('pairedInit' in bigbigan))
    upgraded.bigbigan = { ...(upgraded.bigbigan as object), pairedInit: false };
  return upgraded;
}

/** Checks every field of a full config: unknown, missing and out-of-range fields are errors naming the field. */
export function validateConfig(value: unknown): TrainingConfig {
  checkObject(value, '', CONFIG_CHECKS);
  const config = value as TrainingConfig;
  if (config.beta1 >= 1 || config.beta2 >= 1)
    throw new ConfigError(config.beta1 >= 1 ? 'beta1' : 'beta2', 'must be < 1');
  if ((config.model === 'bigbigan') !== (config.bigbigan !== null)) {
    throw new ConfigError(
      'bigbigan',
      config.model === 'bigbigan' ? 'is required for the bigbigan model' : `must be null for ${config.model}`,
    );
  }
  const official = config.architecture.layout === 'official';
  if (official && config.model !== 'bigan')
    throw new ConfigError(
      'architecture.layout',
      `must be "reproduction" for ${config.model} (the official networks are BiGAN's)`,
    );
  if (
    official &&
    (config.architecture.discriminatorLatent !== 'projection' || config.architecture.encoderOutput === 'tanh')
  )
    throw new ConfigError(
      'architecture.layout',
      'the official layout projects z into D (discriminatorLatent "projection") and E\'s output is "squash" or "linear"',
    );
  if (config.model !== 'bigan' && config.architecture.discriminatorLatent !== 'input') {
    throw new ConfigError(
      'architecture.discriminatorLatent',
      `must be "input" for ${config.model} (the projection variant is BiGAN's only)`,
    );
  }
  if (config.architecture.encoderOutput === 'squash' && config.model === 'bigbigan')
    throw new ConfigError('architecture.encoderOutput', 'must be "linear" or "tanh" for bigbigan');
  if (config.model === 'bigbigan') {
    const loop = { lossTerms: 'sum', batchNormEstimate: 0 } as const;
    for (const [field, value] of Object.entries(loop)) {
      if (config[field as keyof typeof loop] !== value)
        throw new ConfigError(field, `must be ${JSON.stringify(value)} for bigbigan (only the BiGANs implement it)`);
    }
  }
  if (config.trainSet === 'official-bigan' && config.trainLimit > 50000)
    throw new ConfigError('trainLimit', 'must be at most 50,000 with trainSet "official-bigan" (its first N digits)');
  if (config.trainLimit !== 0 && config.trainLimit < config.batchSize)
    throw new ConfigError('trainLimit', `must be 0 or at least batchSize (${config.batchSize})`);
  if (config.schedule.kind === 'exponential-decay' && config.schedule.decayStartEpoch >= config.epochs) {
    throw new ConfigError('schedule.decayStartEpoch', `must be before the last epoch (${config.epochs})`);
  }
  return config;
}

export type ConfigOverrides = Partial<Omit<TrainingConfig, 'architecture' | 'bigbigan'>> & {
  architecture?: Partial<BiganArchitecture>;
  bigbigan?: Partial<BigBiganSettings> | null;
};

/** A preset with some fields replaced, validated. Nested objects (architecture, bigbigan) merge one level deep. */
export function makeConfig(preset: PresetName, overrides: ConfigOverrides = {}): TrainingConfig {
  if (!PRESET_NAMES.includes(preset))
    throw new ConfigError('preset', `must be one of ${PRESET_NAMES.join(', ')}, got ${JSON.stringify(preset)}`);
  return mergeConfig(structuredClone(PRESETS[preset]), overrides);
}

/** `base` with `overrides` applied one level deep, validated. */
export function mergeConfig(base: TrainingConfig, overrides: ConfigOverrides): TrainingConfig {
  const bigbigan =
    overrides.bigbigan === null
      ? null
      : base.bigbigan || overrides.bigbigan
        ? { ...base.bigbigan, ...overrides.bigbigan }
        : null;
  return validateConfig({
    ...base,
    ...overrides,
    architecture: { ...base.architecture, ...overrides.architecture },
    bigbigan,
  });
}

/** The base learning rate in effect during `epoch` (0-based). */
export function learningRateAt(config: TrainingConfig, epoch: number): number {
  const { schedule } = config;
  if (schedule.kind === 'constant' || epoch < schedule.decayStartEpoch) return config.learningRate;
  const span = config.epochs - 1 - schedule.decayStartEpoch;
  const progress = span === 0 ? 1 : (epoch - schedule.decayStartEpoch) / span;
  return config.learningRate * (schedule.finalLearningRate / config.learningRate) ** progress;
}
