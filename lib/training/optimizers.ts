import type { TrainingConfig } from '../config/training-config.js';
import type { AdversarialModel, ModuleName, StepOptimizers } from '../models/adversarial-model.js';
import { createAdam, type OptimizerSettings } from '../optim/adam.js';
import { WeightAverage } from '../optim/weight-average.js';
import { layerVariable } from '../models/blocks.js';

export type { StepOptimizers };

export function createOptimizers(
  model: AdversarialModel,
  settings: Record<ModuleName, OptimizerSettings>,
): StepOptimizers {
  return {
    discriminator: createAdam(model.variables('discriminator'), settings.discriminator),
    encoder: createAdam(model.variables('encoder'), settings.encoder),
    generator: createAdam(model.variables('generator'), settings.generator),
  };
}

/**
 * The optimizers a config asks for: Adam with its betas and weight decay for every module, at the base learning
 * rate (the training loop sets each module's rate per epoch, the encoder's with its multiplier).
 */
export function createOptimizersFor(model: AdversarialModel, config: TrainingConfig): StepOptimizers {
  const adam = {
    learningRate: config.learningRate,
    beta1: config.beta1,
    beta2: config.beta2,
    weightDecay: config.weightDecay,
  };
  return createOptimizers(model, { discriminator: adam, encoder: adam, generator: adam });
}

export function disposeOptimizers(optimizers: StepOptimizers): void {
  Object.values(optimizers).forEach((o) => o.dispose());
}

/** The networks whose weights a run averages: those evaluation uses. */
const AVERAGED: ModuleName[] = ['encoder', 'generator'];

/** The average of E's and G's weights (batch statistics included) that a config asks for, or null (emaDecay 0). */
export function createWeightAverage(model: AdversarialModel, config: TrainingConfig): WeightAverage | null {
  if (config.emaDecay === 0) return null;
  const weights = AVERAGED.flatMap((network) =>
    model.networks[network].weights.map((w) => ({
      name: `${network}/${w.originalName}`,
      variable: layerVariable(w),
    })),
  );
  return new WeightAverage(weights, config.emaDecay);
}
