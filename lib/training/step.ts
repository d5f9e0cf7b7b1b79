import * as tf from '@tensorflow/tfjs';
import type { NamedLosses } from '../losses/adversarial.js';
import type { AdversarialModel, StepInputs, StepOptimizers } from '../models/adversarial-model.js';
import type { Adam } from '../optim/adam.js';

/** The gradients of one phase's loss for its optimizers' variables, and its named parts; nothing is applied yet. */
interface PhaseGradients {
  grads: Record<string, tf.Tensor>;
  parts: Record<string, tf.Scalar>;
}

function phaseGradients(loss: () => NamedLosses, groups: Adam[]): PhaseGradients {
  const variables = groups.flatMap((g) => g.variables);
  let parts: Record<string, tf.Scalar> = {};
  const { value, grads } = tf.variableGrads(() => {
    const named = loss();
    parts = Object.fromEntries(Object.entries(named).map(([k, v]) => [k, tf.keep(v.clone())]));
    return named.total;
  }, variables);
  value.dispose();
  // Kept: a phase computed inside another's tape (D's inside E and G's) would otherwise lose its gradients when
  // the enclosing forward pass's scope ends, before they are applied.
  Object.values(grads).forEach((g) => tf.keep(g));
  return { grads, parts };
}

function applyGradients({ grads }: PhaseGradients, groups: Adam[]): void {
  // A variable the loss does not reach (say, an ablated score's weights) has no gradient and is left alone, as
  // PyTorch's optimizers skip parameters whose grad is None.
  for (const group of groups) group.apply(group.variables.map((v) => grads[v.name] ?? null));
  tf.dispose(Object.values(grads));
}

/**
 * Minimises `loss` over the variables of `groups`, each group updated by its own optimizer.
 * Returns the named parts of the loss, still on the backend, for the caller to read and dispose.
 */
export function minimize(loss: () => NamedLosses, groups: Adam[]): Record<string, tf.Scalar> {
  const phase = phaseGradients(loss, groups);
  applyGradients(phase, groups);
  return phase.parts;
}

/** The named losses as numbers: discriminator parts prefixed `d/`, encoder-generator parts `eg/`. */
function readLosses(dParts: Record<string, tf.Scalar>, egParts: Record<string, tf.Scalar>): Record<string, number> {
  const names = [...Object.keys(dParts).map((k) => `d/${k}`), ...Object.keys(egParts).map((k) => `eg/${k}`)];
  const scalars = [...Object.values(dParts), ...Object.values(egParts)];
  const values = tf.tidy(() => tf.stack(scalars).dataSync());
  tf.dispose(scalars);
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

/**
 * One step of the alternating game on one batch: update D, then update E and G together against the updated D.
 * E(x) and G(z) are computed once, inside E and G's gradient tape, and D's whole update runs within that tape
 * (tfjs nests tapes): D's phase gets no gradient path to E or G, since its loss is differentiated only with
 * respect to D's variables, and E and G's loss goes through a fresh forward pass of the updated D.
 * Returns the named losses as numbers: discriminator parts prefixed `d/`, encoder-generator parts `eg/`.
 */
export function trainStep(
  model: AdversarialModel,
  optimizers: StepOptimizers,
  inputs: StepInputs,
): Record<string, number> {
  let dParts: Record<string, tf.Scalar> = {};
  const egParts = minimize(() => {
    const outputs = model.encodeAndGenerate(inputs);
    dParts = minimize(() => model.discriminatorLoss(inputs, outputs), [optimizers.discriminator]);
    return model.encoderGeneratorLoss(inputs, outputs);
  }, [optimizers.encoder, optimizers.generator]);
  return readLosses(dParts, egParts);
}

/**
 * One step of the simultaneous game (the official BiGAN code's `update_both`): D's gradients and E and G's are
 * both taken at the weights the step started from, from the same E(x) and G(z), and only then applied. D runs
 * forward twice, once per phase, on the same weights and inputs, so its outputs are the same numbers in both (its
 * batch statistics are the batch's own in training; only its running averages, which evaluation never reads for
 * D, move twice).
 */
export function simultaneousStep(
  model: AdversarialModel,
  optimizers: StepOptimizers,
  inputs: StepInputs,
): Record<string, number> {
  let discriminator: PhaseGradients | null = null;
  const egGroups = [optimizers.encoder, optimizers.generator];
  const encoderGenerator = phaseGradients(() => {
    const outputs = model.encodeAndGenerate(inputs);
    discriminator = phaseGradients(() => model.discriminatorLoss(inputs, outputs), [optimizers.discriminator]);
    return model.encoderGeneratorLoss(inputs, outputs);
  }, egGroups);
  const dPhase = discriminator as unknown as PhaseGradients;
  applyGradients(dPhase, [optimizers.discriminator]);
  applyGradients(encoderGenerator, egGroups);
  return readLosses(dPhase.parts, encoderGenerator.parts);
}
