import * as tf from '@tensorflow/tfjs';
import { NUM_CLASSES, PIXELS } from '../data/mnist.js';
import { opSeed, Random } from '../util/random.js';
import { biganDiscriminatorLoss, biganEncoderGeneratorLoss, type NamedLosses } from '../losses/adversarial.js';
import type { AdversarialModel, EncodedAndGenerated, StepInputs } from './adversarial-model.js';
import {
  concat,
  denseStack,
  type DenseStyle,
  networksDisposer,
  Initializer,
  supportsBatchGroups,
  trainableVariables,
  withBatchGroups,
  withGradients,
} from './blocks.js';

/** The BiGAN MLPs: the PyTorch reproduction's (`layout: 'reproduction'`) or the official code's. */
export interface BiganArchitecture {
  latentSize: number;
  hiddenUnits: number;
  /**
   * `linear`: E(x) as it comes out of the last layer. `tanh`: squashed into [-1, 1], the support of the uniform
   * prior, inside E. `squash`: E's output l stays the representation (what the 1NN on E(x) reads) and D and G
   * receive 2 sigmoid(l) - 1 (the official code's uniform `logits_to_sample`).
   */
  encoderOutput: 'linear' | 'tanh' | 'squash';
  /**
   * `input`: D sees concat(x, z). `projection`: z joins D's second layer through its own learned projection,
   * added to the first layer's before batch norm (the official code's `apply_cond`).
   */
  discriminatorLatent: 'input' | 'projection';
  /** Standard deviation of the N(0, std) kernel initialisation. */
  initStddev: number;
  /** Dense layers learn a bias (false: the official `--nobias`). */
  bias: boolean;
  /** Batch norm learns a gain and shift (false: the official `--nogain --nobias`). */
  batchNormAffine: boolean;
  /**
   * `official` (net.py's deconvnet_mnist_mlp and its BinaryClassifier): G normalises its first layer too and
   * projects z into its second, D's last layer starts at zero, batch norm's epsilon is 1e-8.
   */
  layout: 'reproduction' | 'official';
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

/** The layer style an architecture asks for. */
export function denseStyle(arch: BiganArchitecture): DenseStyle {
  return { bias: arch.bias, affine: arch.batchNormAffine, epsilon: arch.layout === 'official' ? 1e-8 : 1e-5 };
}

/** E: 784-1024 (LeakyReLU 0.2)-1024 (BN, LeakyReLU)-latent. */
export function buildEncoder(
  arch: BiganArchitecture,
  init: Initializer,
): { encoder: tf.LayersModel; encoderFeatures: tf.LayersModel } {
  const style = denseStyle(arch);
  const x = tf.input({ shape: [PIXELS], name: 'encoder_x' });
  const [, hidden] = denseStack(
    x,
    [
      { units: arch.hiddenUnits, activation: 'leakyRelu' },
      { units: arch.hiddenUnits, activation: 'leakyRelu', batchNorm: true },
    ],
    init,
    'encoder',
    style,
  );
  const output = arch.encoderOutput === 'tanh' ? 'tanh' : 'linear';
  const [z] = denseStack(hidden, [{ units: arch.latentSize, activation: output }], init, 'encoder_out', style);
  return {
    encoder: tf.model({ inputs: x, outputs: z, name: 'encoder' }),
    encoderFeatures: tf.model({ inputs: x, outputs: hidden, name: 'encoder_features' }),
  };
}

/**
 * G: latent-1024 (ReLU)-1024 (BN, ReLU)-784 sigmoid; conditional variants take [z, c] (see {@link Conditioning}),
 * the extended one replacing the first layer by its two branches. The official layout: latent-1024 (BN, ReLU)
 * -1024 (z projected in, BN, ReLU)-784 sigmoid.
 */
export function buildGenerator(
  arch: BiganArchitecture,
  init: Initializer,
  conditioning: Conditioning = 'none',
): tf.LayersModel {
  const style = denseStyle(arch);
  const z = tf.input({ shape: [arch.latentSize], name: 'generator_z' });
  const c = tf.input({ shape: [NUM_CLASSES], name: 'generator_c' });
  const tail = [
    { units: arch.hiddenUnits, activation: 'relu', batchNorm: true },
    { units: PIXELS, activation: 'sigmoid' },
  ] as const;
  let layers: tf.SymbolicTensor[];
  if (arch.layout === 'official') {
    if (conditioning !== 'none') throw new Error('the official layout is the unconditional BiGAN only');
    // net.py's apply_cond adds a projection of z to the second layer's product, before batch norm: one product
    // of concat(h1, z) with the two kernels stacked computes the same sum.
    const [h1] = denseStack(
      z,
      [{ units: arch.hiddenUnits, activation: 'relu', batchNorm: true }],
      init,
      'generator',
      style,
    );
    layers = denseStack(concat([h1, z], 'generator_hz'), [...tail], init, 'generator_shared', style);
  } else if (conditioning === 'extended') {
    const [hz] = denseStack(z, [{ units: EXTENDED_UNITS.z, activation: 'relu' }], init, 'generator_z', style);
    const [hc] = denseStack(c, [{ units: EXTENDED_UNITS.c, activation: 'relu' }], init, 'generator_c', style);
    layers = denseStack(concat([hz, hc], 'generator_zc'), [...tail], init, 'generator_shared', style);
  } else {
    const input = conditioning === 'simple' ? concat([z, c], 'generator_zc') : z;
    layers = denseStack(input, [{ units: arch.hiddenUnits, activation: 'relu' }, ...tail], init, 'generator', style);
  }
  return tf.model({
    inputs: conditioning === 'none' ? z : [z, c],
    outputs: layers[layers.length - 1],
    name: 'generator',
  });
}

/**
 * D on (x, z[, c]): (784 + latent [+ 10])-1024 (LeakyReLU)-1024 (BN, LeakyReLU)-1 logit, or the variants; with
 * `projection`, 784-1024 (LeakyReLU)-1024 (z projected in, BN, LeakyReLU)-1.
 */
export function buildJointDiscriminator(
  arch: BiganArchitecture,
  init: Initializer,
  conditioning: Conditioning = 'none',
): tf.LayersModel {
  const style = denseStyle(arch);
  const x = tf.input({ shape: [PIXELS], name: 'discriminator_x' });
  const z = tf.input({ shape: [arch.latentSize], name: 'discriminator_z' });
  const c = tf.input({ shape: [NUM_CLASSES], name: 'discriminator_c' });
  const second = { units: arch.hiddenUnits, activation: 'leakyRelu', batchNorm: true } as const;
  let hidden: tf.SymbolicTensor;
  if (conditioning === 'extended') {
    const [hx] = denseStack(x, [{ units: EXTENDED_UNITS.x, activation: 'leakyRelu' }], init, 'discriminator_x', style);
    const [hz] = denseStack(z, [{ units: EXTENDED_UNITS.z, activation: 'leakyRelu' }], init, 'discriminator_z', style);
    const [hc] = denseStack(c, [{ units: EXTENDED_UNITS.c, activation: 'leakyRelu' }], init, 'discriminator_c', style);
    [hidden] = denseStack(concat([hx, hz, hc], 'discriminator_xzc'), [second], init, 'discriminator_shared', style);
  } else if (arch.discriminatorLatent === 'input') {
    const joint =
      conditioning === 'simple' ? concat([x, z, c], 'discriminator_xzc') : concat([x, z], 'discriminator_xz');
    [, hidden] = denseStack(
      joint,
      [{ units: arch.hiddenUnits, activation: 'leakyRelu' }, second],
      init,
      'discriminator',
      style,
    );
  } else {
    if (conditioning !== 'none')
      throw new Error('architecture.discriminatorLatent "projection" is only available for the unconditional BiGAN');
    const [h1] = denseStack(x, [{ units: arch.hiddenUnits, activation: 'leakyRelu' }], init, 'discriminator', style);
    // W1 h1 + W2 z as one product of concat(h1, z) (see buildGenerator's official layout).
    [hidden] = denseStack(concat([h1, z], 'discriminator_hz'), [second], init, 'discriminator_shared', style);
  }
  const [logit] = denseStack(
    hidden,
    [{ units: 1, activation: 'linear', zeroKernel: arch.layout === 'official' }],
    init,
    'discriminator_out',
    style,
  );
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
  lossTerms: 'sum' | 'mean' = 'sum',
): AdversarialModel {
  const nets = buildBigan(arch, seed, conditioning);
  // E's output as G and D take it (see BiganArchitecture.encoderOutput).
  const latentOf = (encoded: tf.Tensor2D): tf.Tensor2D =>
    arch.encoderOutput === 'squash' ? tf.tidy(() => tf.sigmoid(encoded).mul(2).sub(1)) : encoded;
  const reduced = (losses: NamedLosses): NamedLosses =>
    lossTerms === 'mean' ? { ...losses, total: tf.tidy(() => losses.total.mul(0.5)) } : losses;
  const { encoder, generator, discriminator } = nets;
  const conditional = conditioning !== 'none';
  const withLabel = labelledInputs(conditioning);
  // Neither network's inputs (data, prior samples, labels) are ever differentiated.
  const encodeAndGenerate = (inputs: StepInputs): EncodedAndGenerated => ({
    encoded: latentOf(
      withGradients(
        encoder,
        { modelInputs: false },
        () => encoder.apply(inputs.images, { training: true }) as tf.Tensor2D,
      ),
    ),
    generated: withGradients(
      generator,
      { modelInputs: false },
      () => generator.apply(withLabel([inputs.latents], inputs.labels), { training: true }) as tf.Tensor2D,
    ),
  });
  const logits = (inputs: StepInputs, outputs: EncodedAndGenerated) =>
    jointLogits(discriminator, withLabel, inputs, outputs);
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
      return reduced(biganDiscriminatorLoss(encoderLogits, generatorLogits));
    },
    encoderGeneratorLoss: (inputs, outputs) => {
      const { encoderLogits, generatorLogits } = withGradients(discriminator, { weights: false }, () =>
        logits(inputs, outputs),
      );
      return reduced(biganEncoderGeneratorLoss(encoderLogits, generatorLogits));
    },
    encode: (images) => encoder.apply(images, { training: false }) as tf.Tensor2D,
    latentOf,
    encodeFeatures: (images) => nets.encoderFeatures.apply(images, { training: false }) as tf.Tensor2D,
    generate: (latents, labels) =>
      tf.tidy(() => generator.apply(withLabel([latents], labels), { training: false }) as tf.Tensor2D),
    dispose: networksDisposer(encoder, generator, discriminator),
  };
}

/** A network's inputs with the batch's one-hot labels appended when the model is conditional. */
type WithLabel = (inputs: tf.Tensor[], labels: tf.Tensor1D | undefined) => tf.Tensor | tf.Tensor[];

function labelledInputs(conditioning: Conditioning): WithLabel {
  return (inputs, labels) => {
    if (conditioning === 'none') return inputs.length === 1 ? inputs[0] : inputs;
    if (!labels) throw new Error(`${KINDS[conditioning]} needs labels to generate`);
    return [...inputs, tf.oneHot(labels, NUM_CLASSES).toFloat() as tf.Tensor2D];
  };
}

/**
 * D's logits on the encoder pairs (x, E(x)) and the generator pairs (G(z), z). Where D supports it, both are judged
 * stacked in one batch, each normalised by its own statistics as in two separate calls: one product of 2B rows is
 * faster than two of B.
 */
function jointLogits(
  discriminator: tf.LayersModel,
  withLabel: WithLabel,
  inputs: StepInputs,
  { encoded, generated }: EncodedAndGenerated,
): { encoderLogits: tf.Tensor; generatorLogits: tf.Tensor } {
  const judge = (x: tf.Tensor, z: tf.Tensor, labels = inputs.labels) =>
    discriminator.apply(withLabel([x, z], labels), { training: true }) as tf.Tensor;
  if (!supportsBatchGroups(discriminator)) {
    return {
      encoderLogits: judge(inputs.images, encoded),
      generatorLogits: judge(generated, inputs.latents),
    };
  }
  const rows = <T extends tf.Tensor>(a: T, b: T) => tf.concat([a, b], 0) as T;
  const labels = inputs.labels && rows(inputs.labels, inputs.labels);
  const both = withBatchGroups(discriminator, 2, () =>
    judge(rows(inputs.images, generated), rows(encoded, inputs.latents), labels),
  );
  const [encoderLogits, generatorLogits] = tf.split(both, 2, 0);
  return { encoderLogits, generatorLogits };
}
