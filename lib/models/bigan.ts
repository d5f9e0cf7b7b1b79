import * as tf from '@tensorflow/tfjs';
import { NUM_CLASSES, PIXELS } from '../data/mnist.js';
import { opSeed, Random } from '../util/random.js';
import { biganDiscriminatorLoss, biganEncoderGeneratorLoss } from '../losses/adversarial.js';
import type { AdversarialModel, EncodedAndGenerated, StepInputs } from './adversarial-model.js';
import {
  activation,
  BATCH_NORM,
  concat,
  denseStack,
  networksDisposer,
  Initializer,
  supportsBatchGroups,
  trainableVariables,
  withBatchGroups,
  withGradients,
} from './blocks.js';

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

/**
 * How labels enter G and D (E never sees them). `simple`: the one-hot label is concatenated to G's and D's inputs.
 * `extended` (the reproduction's variant): z, c and x first pass through their own layer each (G: z to 200 and
 * c to 800 units, ReLU; D: x to 1000, z to 200 and c to 800 units, LeakyReLU) before the shared layers.
 */
export type Conditioning = 'none' | 'simple' | 'extended';

export const EXTENDED_UNITS = { x: 1000, z: 200, c: 800 };

export interface BiganNetworks {
  /** x [B, 784] -> z [B, latentSize]. */
  encoder: tf.LayersModel;
  /** x [B, 784] -> the encoder's penultimate layer [B, hiddenUnits], sharing the encoder's weights. */
  encoderFeatures: tf.LayersModel;
  /** z [B, latentSize] (and c [B, 10] one-hot when conditional) -> x [B, 784] in [0, 1]. */
  generator: tf.LayersModel;
  /** [x [B, 784], z [B, latentSize] (, c [B, 10])] -> logit [B, 1]. */
  discriminator: tf.LayersModel;
}

/** E: 784-1024 (LeakyReLU 0.2)-1024 (BN, LeakyReLU)-latent. */
export function buildEncoder(
  arch: BiganArchitecture,
  init: Initializer,
): { encoder: tf.LayersModel; encoderFeatures: tf.LayersModel } {
  const x = tf.input({ shape: [PIXELS], name: 'encoder_x' });
  const [, hidden] = denseStack(
    x,
    [
      { units: arch.hiddenUnits, activation: 'leakyRelu' },
      { units: arch.hiddenUnits, activation: 'leakyRelu', batchNorm: true },
    ],
    init,
    'encoder',
  );
  const [z] = denseStack(hidden, [{ units: arch.latentSize, activation: arch.encoderOutput }], init, 'encoder_out');
  return {
    encoder: tf.model({ inputs: x, outputs: z, name: 'encoder' }),
    encoderFeatures: tf.model({ inputs: x, outputs: hidden, name: 'encoder_features' }),
  };
}

/**
 * G: latent-1024 (ReLU)-1024 (BN, ReLU)-784 sigmoid; conditional variants take [z, c] (see {@link Conditioning}),
 * the extended one replacing the first layer by its two branches.
 */
export function buildGenerator(
  arch: BiganArchitecture,
  init: Initializer,
  conditioning: Conditioning = 'none',
): tf.LayersModel {
  const z = tf.input({ shape: [arch.latentSize], name: 'generator_z' });
  const c = tf.input({ shape: [NUM_CLASSES], name: 'generator_c' });
  const tail = [
    { units: arch.hiddenUnits, activation: 'relu', batchNorm: true },
    { units: PIXELS, activation: 'sigmoid' },
  ] as const;
  let layers: tf.SymbolicTensor[];
  if (conditioning === 'extended') {
    const [hz] = denseStack(z, [{ units: EXTENDED_UNITS.z, activation: 'relu' }], init, 'generator_z');
    const [hc] = denseStack(c, [{ units: EXTENDED_UNITS.c, activation: 'relu' }], init, 'generator_c');
    layers = denseStack(concat([hz, hc], 'generator_zc'), [...tail], init, 'generator_shared');
  } else {
    const input = conditioning === 'simple' ? concat([z, c], 'generator_zc') : z;
    layers = denseStack(input, [{ units: arch.hiddenUnits, activation: 'relu' }, ...tail], init, 'generator');
  }
  return tf.model({
    inputs: conditioning === 'none' ? z : [z, c],
    outputs: layers[layers.length - 1],
    name: 'generator',
  });
}

/** D on (x, z[, c]): (784 + latent [+ 10])-1024 (LeakyReLU)-1024 (BN, LeakyReLU)-1 logit, or the variants. */
export function buildJointDiscriminator(
  arch: BiganArchitecture,
  init: Initializer,
  conditioning: Conditioning = 'none',
): tf.LayersModel {
  const x = tf.input({ shape: [PIXELS], name: 'discriminator_x' });
  const z = tf.input({ shape: [arch.latentSize], name: 'discriminator_z' });
  const c = tf.input({ shape: [NUM_CLASSES], name: 'discriminator_c' });
  const second = { units: arch.hiddenUnits, activation: 'leakyRelu', batchNorm: true } as const;
  let hidden: tf.SymbolicTensor;
  if (conditioning === 'extended') {
    const [hx] = denseStack(x, [{ units: EXTENDED_UNITS.x, activation: 'leakyRelu' }], init, 'discriminator_x');
    const [hz] = denseStack(z, [{ units: EXTENDED_UNITS.z, activation: 'leakyRelu' }], init, 'discriminator_z');
    const [hc] = denseStack(c, [{ units: EXTENDED_UNITS.c, activation: 'leakyRelu' }], init, 'discriminator_c');
    [hidden] = denseStack(concat([hx, hz, hc], 'discriminator_xzc'), [second], init, 'discriminator_shared');
  } else if (arch.discriminatorLatent === 'input') {
    const joint =
      conditioning === 'simple' ? concat([x, z, c], 'discriminator_xzc') : concat([x, z], 'discriminator_xz');
    [, hidden] = denseStack(
      joint,
      [{ units: arch.hiddenUnits, activation: 'leakyRelu' }, second],
      init,
      'discriminator',
    );
  } else {
    if (conditioning !== 'none')
      throw new Error('architecture.discriminatorLatent "projection" is only available for the unconditional BiGAN');
    const [h1] = denseStack(x, [{ units: arch.hiddenUnits, activation: 'leakyRelu' }], init, 'discriminator');
    const [hx] = denseStack(h1, [{ units: arch.hiddenUnits, activation: 'linear' }], init, 'discriminator_x2');
    const [hz] = denseStack(z, [{ units: arch.hiddenUnits, activation: 'linear' }], init, 'discriminator_z2');
    const summed = tf.layers.add({ name: 'discriminator_2_sum' }).apply([hx, hz]) as tf.SymbolicTensor;
    const normed = tf.layers
      .batchNormalization({ ...BATCH_NORM, name: 'discriminator_2_bn' })
      .apply(summed) as tf.SymbolicTensor;
    hidden = activation(normed, 'leakyRelu', 'discriminator_2_leakyRelu');
  }
  const [logit] = denseStack(hidden, [{ units: 1, activation: 'linear' }], init, 'discriminator_out');
  return tf.model({ inputs: conditioning === 'none' ? [x, z] : [x, z, c], outputs: logit, name: 'discriminator' });
}

/** All three networks, initialised from `seed`. */
export function buildBigan(arch: BiganArchitecture, seed: number, conditioning: Conditioning = 'none'): BiganNetworks {
  const init = new Initializer(new Random(`init:${seed}`), arch.initStddev);
  const { encoder, encoderFeatures } = buildEncoder(arch, init);
  return {
    encoder,
    encoderFeatures,
    generator: buildGenerator(arch, init, conditioning),
    discriminator: buildJointDiscriminator(arch, init, conditioning),
  };
}

const KINDS: Record<Conditioning, string> = { none: 'bigan', simple: 'cbigan', extended: 'cbigan-extended' };

/**
 * BiGAN (and the conditional BiGANs) as the training loop sees it: z uniform on [-1, 1]^latent, the
 * cross-entropy game on D(x, z) or, conditioned, on D(x, z, c) with encoder triples (x, E(x), c) against
 * generator triples (G(z, c), z, c), c being the batch's labels.
 */
export function createBiganModel(
  arch: BiganArchitecture,
  seed: number,
  conditioning: Conditioning = 'none',
): AdversarialModel {
  const nets = buildBigan(arch, seed, conditioning);
  const { encoder, generator, discriminator } = nets;
  const conditional = conditioning !== 'none';
  const oneHot = (labels: tf.Tensor1D) => tf.oneHot(labels, NUM_CLASSES).toFloat() as tf.Tensor2D;
  const withLabel = (inputs: tf.Tensor[], labels: tf.Tensor1D | undefined): tf.Tensor | tf.Tensor[] => {
    if (!conditional) return inputs.length === 1 ? inputs[0] : inputs;
    if (!labels) throw new Error(`${KINDS[conditioning]} needs labels to generate`);
    return [...inputs, oneHot(labels)];
  };
  // Neither network's inputs (data, prior samples, labels) are ever differentiated.
  const encodeAndGenerate = (inputs: StepInputs): EncodedAndGenerated => ({
    encoded: withGradients(
      encoder,
      { modelInputs: false },
      () => encoder.apply(inputs.images, { training: true }) as tf.Tensor2D,
    ),
    generated: withGradients(
      generator,
      { modelInputs: false },
      () => generator.apply(withLabel([inputs.latents], inputs.labels), { training: true }) as tf.Tensor2D,
    ),
  });
  // D judges the encoder pairs and the generator pairs stacked in one batch, each normalised by its own
  // statistics as in two separate calls: one product of 2B rows is faster than two of B.
  const stacked = supportsBatchGroups(discriminator);
  const logits = (inputs: StepInputs, { encoded, generated }: EncodedAndGenerated) => {
    if (!stacked) {
      return {
        encoderLogits: discriminator.apply(withLabel([inputs.images, encoded], inputs.labels), {
          training: true,
        }) as tf.Tensor,
        generatorLogits: discriminator.apply(withLabel([generated, inputs.latents], inputs.labels), {
          training: true,
        }) as tf.Tensor,
      };
    }
    const rows = <T extends tf.Tensor>(a: T, b: T) => tf.concat([a, b], 0) as T;
    const both = withBatchGroups(
      discriminator,
      2,
      () =>
        discriminator.apply(
          withLabel(
            [rows(inputs.images, generated), rows(encoded, inputs.latents)],
            inputs.labels && rows(inputs.labels, inputs.labels),
          ),
          { training: true },
        ) as tf.Tensor,
    );
    const [encoderLogits, generatorLogits] = tf.split(both, 2, 0);
    return { encoderLogits, generatorLogits };
  };
  return {
    kind: KINDS[conditioning],
    conditional,
    latentSize: arch.latentSize,
    networks: { encoder, generator, discriminator },
    variables: (module) => trainableVariables(nets[module]),
    samplePrior: (n, priorSeed) =>
      tf.randomUniform([n, arch.latentSize], -1, 1, 'float32', opSeed(priorSeed)) as tf.Tensor2D,
    encodeAndGenerate,
    // D's update differentiates only its own weights: E(x) and G(z) enter it as data.
    discriminatorLoss: (inputs, outputs) => {
      const { encoderLogits, generatorLogits } = withGradients(discriminator, { modelInputs: false }, () =>
        logits(inputs, outputs),
      );
      return biganDiscriminatorLoss(encoderLogits, generatorLogits);
    },
    encoderGeneratorLoss: (inputs, outputs) => {
      const { encoderLogits, generatorLogits } = withGradients(discriminator, { weights: false }, () =>
        logits(inputs, outputs),
      );
      return biganEncoderGeneratorLoss(encoderLogits, generatorLogits);
    },
    encode: (images) => encoder.apply(images, { training: false }) as tf.Tensor2D,
    encodeFeatures: (images) => nets.encoderFeatures.apply(images, { training: false }) as tf.Tensor2D,
    generate: (latents, labels) =>
      tf.tidy(() => generator.apply(withLabel([latents], labels), { training: false }) as tf.Tensor2D),
    dispose: networksDisposer(encoder, generator, discriminator),
  };
}
