import * as tf from '@tensorflow/tfjs';
import type { NamedLosses } from '../losses/adversarial.js';
import type { AdversarialModel, ModuleName, StepInputs } from './adversarial-model.js';

/** Adam settings of one module. */
export interface OptimizerSettings {
  learningRate: number;
  beta1: number;
  beta2: number;
  /** L2 penalty added to the gradient (PyTorch's Adam `weight_decay`), applied to every trainable variable. */
  weightDecay: number;
}

/** One optimizer per module, each with its own variables, so the encoder's learning rate can differ. */
export interface ModuleOptimizer {
  module: ModuleName;
  optimizer: tf.AdamOptimizer;
  variables: tf.Variable[];
  settings: OptimizerSettings;
}

export type StepOptimizers = Record<ModuleName, ModuleOptimizer>;

export function createOptimizers(model: AdversarialModel, settings: Record<ModuleName, OptimizerSettings>): StepOptimizers {
  const make = (module: ModuleName): ModuleOptimizer => {
    const s = settings[module];
    return { module, settings: { ...s }, variables: model.variables(module), optimizer: tf.train.adam(s.learningRate, s.beta1, s.beta2) as tf.AdamOptimizer };
  };
  return { discriminator: make('discriminator'), encoder: make('encoder'), generator: make('generator') };
}

/** Sets a module's learning rate for the following updates (the schedule calls this once per epoch). */
export function setLearningRate(entry: ModuleOptimizer, learningRate: number): void {
  entry.settings.learningRate = learningRate;
  // tfjs' Adam reads this field on every update; it has no public setter.
  (entry.optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}

/**
 * Minimises `loss` over the variables of `groups`, each group updated by its own optimizer.
 * Returns the named parts of the loss, still on the backend, for the caller to read and dispose.
 */
export function minimize(loss: () => NamedLosses, groups: ModuleOptimizer[]): Record<string, tf.Scalar> {
  const variables = groups.flatMap((g) => g.variables);
  let parts: Record<string, tf.Scalar> = {};
  const { value, grads } = tf.variableGrads(() => {
    const named = loss();
    parts = Object.fromEntries(Object.entries(named).map(([k, v]) => [k, tf.keep(v.clone())]));
    return named.total;
  }, variables);
  value.dispose();
  for (const group of groups) {
    const decay = group.settings.weightDecay;
    const groupGrads = group.variables.map((v) => {
      const g = grads[v.name];
      return { name: v.name, tensor: decay > 0 ? tf.tidy(() => g.add(v.mul(decay))) : g };
    });
    group.optimizer.applyGradients(groupGrads);
    if (decay > 0) tf.dispose(groupGrads.map((g) => g.tensor));
  }
  tf.dispose(Object.values(grads));
  return parts;
}

/**
 * One step of the alternating game on one batch: update D, then update E and G together against the updated D
 * (a fresh forward pass, so no gradient is computed through stale activations).
 * Returns the named losses as numbers: discriminator parts prefixed `d/`, encoder-generator parts `eg/`.
 */
export function trainStep(model: AdversarialModel, optimizers: StepOptimizers, inputs: StepInputs): Record<string, number> {
  const dParts = minimize(() => model.discriminatorLoss(inputs), [optimizers.discriminator]);
  const egParts = minimize(() => model.encoderGeneratorLoss(inputs), [optimizers.encoder, optimizers.generator]);
  const names = [...Object.keys(dParts).map((k) => `d/${k}`), ...Object.keys(egParts).map((k) => `eg/${k}`)];
  const scalars = [...Object.values(dParts), ...Object.values(egParts)];
  const values = tf.tidy(() => tf.stack(scalars).dataSync());
  tf.dispose(scalars);
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}
