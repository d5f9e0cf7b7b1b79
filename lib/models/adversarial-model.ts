import * as tf from '@tensorflow/tfjs';
import type { NamedLosses } from '../losses/adversarial.js';
import type { Adam } from '../optim/adam.js';

/** What one training step needs from a batch: images, labels, and prior samples drawn for it. */
export interface StepInputs {
  /** [B, 784] in [0, 1]. */
  images: tf.Tensor2D;
  /** [B] int32 digits; only conditional models read them. */
  labels: tf.Tensor1D;
  /** [B, latentSize] drawn from the model's prior. */
  latents: tf.Tensor2D;
  /** Seeds any other noise of the step (a stochastic encoder's), so that a run repeats exactly. */
  seed: number;
}

/**
 * E(x) and G(z) on one batch, as both phases of a step use them: computed once, inside E and G's gradient tape,
 * since D's update (which runs first) leaves E and G unchanged. Their batch-norm statistics are thus updated
 * once per step, and the step costs one forward pass of E and G instead of two.
 */
export interface EncodedAndGenerated {
  /** E(x) [B, latentSize] (sampled, for a stochastic encoder). */
  encoded: tf.Tensor2D;
  /** G(z[, c]) as D sees it. */
  generated: tf.Tensor2D;
}

/** The modules an optimizer each: the encoder gets its own so that its learning rate can differ. */
export type ModuleName = 'encoder' | 'generator' | 'discriminator';

/** One Adam per module, so that the encoder's learning rate can differ from the generator's. */
export type StepOptimizers = Record<ModuleName, Adam>;

/**
 * Any model of this project, as the one training loop sees it: named networks, a prior, and the two losses of
 * the alternating game. BiGAN, the conditional BiGANs and BigBiGAN are all configurations behind this.
 */
export interface AdversarialModel {
  readonly kind: string;
  /** True when G (and D) take the digit label c; E never does. */
  readonly conditional: boolean;
  readonly latentSize: number;
  /** Every network whose weights a checkpoint must hold. */
  readonly networks: Record<string, tf.LayersModel>;
  /** Trainable variables of each optimised module. */
  variables(module: ModuleName): tf.Variable[];
  /** z ~ p(z), [n, latentSize]. */
  samplePrior(n: number, seed: number): tf.Tensor2D;
  /** E(x) and G(z) in training mode, for both phases of the step. */
  encodeAndGenerate(inputs: StepInputs): EncodedAndGenerated;
  /** Loss of D's phase (gradients flow only to D's variables). */
  discriminatorLoss(inputs: StepInputs, outputs: EncodedAndGenerated): NamedLosses;
  /** Loss of E and G's phase, computed with the already updated D. */
  encoderGeneratorLoss(inputs: StepInputs, outputs: EncodedAndGenerated): NamedLosses;
  /** E(x) in inference mode, [B, latentSize]: the representation the 1NN on E(x) reads. */
  encode(images: tf.Tensor2D): tf.Tensor2D;
  /**
   * The latent that an `encode` output stands for, as G takes it (G(E(x)) is `generate(latentOf(encode(x)))`):
   * the output itself, or its squashed form when E's output is squashed into the prior's support.
   */
  latentOf(encoded: tf.Tensor2D): tf.Tensor2D;
  /** The encoder's penultimate features in inference mode, [B, hidden]. */
  encodeFeatures(images: tf.Tensor2D): tf.Tensor2D;
  /** G(z[, c]) in inference mode, [B, 784]. */
  generate(latents: tf.Tensor2D, labels?: tf.Tensor1D): tf.Tensor2D;
  /** Frees every network's weights; the model is unusable afterwards. */
  dispose(): void;
}
