import * as tf from '@tensorflow/tfjs';
import { PIXELS } from '../data/mnist.js';
import { Random } from '../util/random.js';
import { biganDiscriminatorLoss, biganEncoderGeneratorLoss } from '../losses/adversarial.js';
import type { AdversarialModel, StepInputs } from '../training/adversarial-model.js';
import { activation, BATCH_NORM, concat, denseStack, Initializer, trainableVariables } from './blocks.js';

/** The BiGAN MLPs of the reproduction, with the official code's two variants as options. */
export interface BiganArchitecture {
  latentSize: number;
  hiddenUnits: number;
  /** `tanh` squashes E(x) into [-1, 1], the support of the uniform prior (the official code's variant). */
  encoderOutput: 'linear' | 'tanh';
  /** `input`: D sees concat(x, z). `projection`: z joins D's second layer through a learned projection. */
  discriminatorLatent: 'input' | 'projection';
  /** Standard deviation of the N(0, std) kernel initialisation. */
  initStddev: number;
}

export interface BiganNetworks {
  /** x [B, 784] -> z [B, latentSize]. */
  encoder: tf.LayersModel;
  /** x [B, 784] -> the encoder's penultimate layer [B, hiddenUnits], sharing the encoder's weights. */
  encoderFeatures: tf.LayersModel;
  /** z [B, latentSize] -> x [B, 784] in [0, 1]. */
  generator: tf.LayersModel;
  /** [x [B, 784], z [B, latentSize]] -> logit [B, 1]. */
  discriminator: tf.LayersModel;
}

/** E: 784-1024 (LeakyReLU 0.2)-1024 (BN, LeakyReLU)-latent. */
export function buildEncoder(arch: BiganArchitecture, init: Initializer): { encoder: tf.LayersModel; encoderFeatures: tf.LayersModel } {
  const x = tf.input({ shape: [PIXELS], name: 'encoder_x' });
  const [, hidden] = denseStack(x, [
    { units: arch.hiddenUnits, activation: 'leakyRelu' },
    { units: arch.hiddenUnits, activation: 'leakyRelu', batchNorm: true },
  ], init, 'encoder');
  const [z] = denseStack(hidden, [{ units: arch.latentSize, activation: arch.encoderOutput }], init, 'encoder_out');
  return {
    encoder: tf.model({ inputs: x, outputs: z, name: 'encoder' }),
    encoderFeatures: tf.model({ inputs: x, outputs: hidden, name: 'encoder_features' }),
  };
}

/** G: latent-1024 (ReLU)-1024 (BN, ReLU)-784 sigmoid. */
export function buildGenerator(arch: BiganArchitecture, init: Initializer): tf.LayersModel {
  const z = tf.input({ shape: [arch.latentSize], name: 'generator_z' });
  const layers = denseStack(z, [
    { units: arch.hiddenUnits, activation: 'relu' },
    { units: arch.hiddenUnits, activation: 'relu', batchNorm: true },
    { units: PIXELS, activation: 'sigmoid' },
  ], init, 'generator');
  return tf.model({ inputs: z, outputs: layers[layers.length - 1], name: 'generator' });
}

/** D on (x, z): (784 + latent)-1024 (LeakyReLU)-1024 (BN, LeakyReLU)-1 logit. */
export function buildJointDiscriminator(arch: BiganArchitecture, init: Initializer): tf.LayersModel {
  const x = tf.input({ shape: [PIXELS], name: 'discriminator_x' });
  const z = tf.input({ shape: [arch.latentSize], name: 'discriminator_z' });
  let hidden: tf.SymbolicTensor;
  if (arch.discriminatorLatent === 'input') {
    [, hidden] = denseStack(concat([x, z], 'discriminator_xz'), [
      { units: arch.hiddenUnits, activation: 'leakyRelu' },
      { units: arch.hiddenUnits, activation: 'leakyRelu', batchNorm: true },
    ], init, 'discriminator');
  } else {
    const [h1] = denseStack(x, [{ units: arch.hiddenUnits, activation: 'leakyRelu' }], init, 'discriminator');
    const [hx] = denseStack(h1, [{ units: arch.hiddenUnits, activation: 'linear' }], init, 'discriminator_x2');
    const [hz] = denseStack(z, [{ units: arch.hiddenUnits, activation: 'linear' }], init, 'discriminator_z2');
    const summed = tf.layers.add({ name: 'discriminator_2_sum' }).apply([hx, hz]) as tf.SymbolicTensor;
    const normed = tf.layers.batchNormalization({ ...BATCH_NORM, name: 'discriminator_2_bn' }).apply(summed) as tf.SymbolicTensor;
    hidden = activation(normed, 'leakyRelu', 'discriminator_2_leakyRelu');
  }
  const [logit] = denseStack(hidden, [{ units: 1, activation: 'linear' }], init, 'discriminator_out');
  return tf.model({ inputs: [x, z], outputs: logit, name: 'discriminator' });
}

/** All three networks, initialised from `seed`. */
export function buildBigan(arch: BiganArchitecture, seed: number): BiganNetworks {
  const init = new Initializer(new Random(`init:${seed}`), arch.initStddev);
  const { encoder, encoderFeatures } = buildEncoder(arch, init);
  return { encoder, encoderFeatures, generator: buildGenerator(arch, init), discriminator: buildJointDiscriminator(arch, init) };
}

/** BiGAN as the training loop sees it: z uniform on [-1, 1]^latent, the cross-entropy game on D(x, z). */
export function createBiganModel(arch: BiganArchitecture, seed: number): AdversarialModel {
  const nets = buildBigan(arch, seed);
  const { encoder, generator, discriminator } = nets;
  const logits = (inputs: StepInputs) => {
    const encoded = encoder.apply(inputs.images, { training: true }) as tf.Tensor2D;
    const generated = generator.apply(inputs.latents, { training: true }) as tf.Tensor2D;
    return {
      encoderLogits: discriminator.apply([inputs.images, encoded], { training: true }) as tf.Tensor,
      generatorLogits: discriminator.apply([generated, inputs.latents], { training: true }) as tf.Tensor,
    };
  };
  return {
    kind: 'bigan',
    latentSize: arch.latentSize,
    networks: { encoder, generator, discriminator },
    variables: (module) => trainableVariables(nets[module]),
    samplePrior: (n, priorSeed) => tf.randomUniform([n, arch.latentSize], -1, 1, 'float32', priorSeed) as tf.Tensor2D,
    discriminatorLoss: (inputs) => {
      const { encoderLogits, generatorLogits } = logits(inputs);
      return biganDiscriminatorLoss(encoderLogits, generatorLogits);
    },
    encoderGeneratorLoss: (inputs) => {
      const { encoderLogits, generatorLogits } = logits(inputs);
      return biganEncoderGeneratorLoss(encoderLogits, generatorLogits);
    },
    encode: (images) => encoder.apply(images, { training: false }) as tf.Tensor2D,
    encodeFeatures: (images) => nets.encoderFeatures.apply(images, { training: false }) as tf.Tensor2D,
    generate: (latents) => generator.apply(latents, { training: false }) as tf.Tensor2D,
  };
}
