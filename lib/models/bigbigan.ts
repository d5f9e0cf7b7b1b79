import * as tf from '@tensorflow/tfjs';
import { IMAGE_SIZE, PIXELS } from '../data/mnist.js';
import {
  bigbiganDiscriminatorLoss,
  bigbiganEncoderGeneratorLoss,
  type Scores,
  scoresInUse,
  type Unaries,
} from '../losses/hinge.js';
import type { AdversarialModel, EncodedAndGenerated, StepInputs } from './adversarial-model.js';
import { opSeed, Random } from '../util/random.js';
import { BATCH_NORM, networksDisposer, LEAKY_SLOPE, trainableVariables } from './blocks.js';
import { SpectralConv2D, SpectralDense } from './spectral-norm.js';
import { BatchNorm } from './batch-norm.js';

/** BigBiGAN at MNIST scale: what its ablations change. */
export interface BigBiganSettings {
  /** Width of G's convolutional layers (G has 2x this before its last upsampling). */
  generatorChannels: number;
  encoderChannels: number;
  discriminatorChannels: number;
  /** E outputs mean and log-variance and samples z = mu + eps sigma; otherwise z directly. */
  stochasticEncoder: boolean;
  prior: 'gaussian' | 'uniform';
  /** Which unary scores join the joint score s_xz in the losses. */
  unaries: Unaries;
  /**
   * False: no encoder in the game. G and F are a GAN judged by s_x alone (the control of the claim that
   * bidirection does not hurt generation); E is still built, so the model keeps its interface, but no loss
   * reaches it and it has no representation to score.
   */
  encoder: boolean;
  /** E sees 28x28 digits while G and F work at 14x14 (x average-pooled for F). */
  highResolutionEncoder: boolean;
  /**
   * Each network (G, E, and D's F, H, J and score heads) draws its initial weights from a random stream of its own,
   * named by the seed and the part. Then two rows of a table with the same seed start every network they share
   * from the same weights, whatever else differs, and their seeds can be compared pair by pair. False: one stream
   * for all, in build order (G, E, D), as the exploratory table was trained.
   */
  pairedInit: boolean;
}

/**
 * BigBiGAN (Donahue and Simonyan, 2019) at MNIST scale. G is a small BigGAN-like deconvolutional generator with
 * batch normalisation; E a convnet that outputs z, or the mean and log-variance of a Gaussian it samples z from;
 * the discriminator is three networks: F, a convnet on x, H, an MLP on z, and J, an MLP on [F(x), H(z)], each
 * ending in a linear score: s_x = w_x.F(x), s_z = w_z.H(z), s_xz = w_xz.J(F(x), H(z)). D is spectrally normalised.
 */
export interface BigBiganNetworks {
  /** x [B, 784] -> z [B, latent], or [mu, logvar] when stochastic. */
  encoder: tf.LayersModel;
  /** x [B, 784] -> E's penultimate dense layer [B, 256]. */
  encoderFeatures: tf.LayersModel;
  /** z [B, latent] -> x [B, res * res] in [0, 1], res 28 (or 14 with the high-resolution encoder). */
  generator: tf.LayersModel;
  /** [x [B, res * res], z [B, latent]] -> [s_x, s_z, s_xz], each [B, 1]. */
  discriminator: tf.LayersModel;
}

const FEATURES = 256;

/** Side of the images G makes and F judges: 14 when the encoder alone sees full resolution. */
export function workingResolution(settings: BigBiganSettings): number {
  return settings.highResolutionEncoder ? IMAGE_SIZE / 2 : IMAGE_SIZE;
}

function layerApply(layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return layer.apply(x) as tf.SymbolicTensor;
}

const leaky = () => tf.layers.leakyReLU({ alpha: LEAKY_SLOPE });
// Layers with weights are named: checkpoints store weights by layer name, and tfjs' generated names change with
// every model built in the process.
const batchNorm = (name: string) => new BatchNorm({ ...BATCH_NORM, name });
/** Glorot-normal kernels, each seeded from the one Random of the model, in the order the builders ask. */
const glorot = (random: Random) => tf.initializers.glorotNormal({ seed: random.seed() });

/** G: z [B, latent] -> dense 7x7x2c -> (transposed conv to 14x14xc ->) transposed conv to res x res x 1, sigmoid. */
export function buildBigBiganGenerator(settings: BigBiganSettings, latentSize: number, random: Random): tf.LayersModel {
  const res = workingResolution(settings);
  const c = settings.generatorChannels;
  const z = tf.input({ shape: [latentSize], name: 'generator_z' });
  let g = layerApply(
    tf.layers.dense({ units: 7 * 7 * 2 * c, kernelInitializer: glorot(random), name: 'generator_dense' }),
    z,
  );
  g = layerApply(tf.layers.reLU(), layerApply(batchNorm('generator_bn1'), g));
  g = layerApply(tf.layers.reshape({ targetShape: [7, 7, 2 * c] }), g); // [B, 7, 7, 2c]
  if (res === IMAGE_SIZE) {
    const up = tf.layers.conv2dTranspose({
      filters: c,
      kernelSize: 4,
      strides: 2,
      padding: 'same',
      kernelInitializer: glorot(random),
      name: 'generator_up1',
    });
    g = layerApply(tf.layers.reLU(), layerApply(batchNorm('generator_bn2'), layerApply(up, g))); // [B, 14, 14, c]
  }
  const out = tf.layers.conv2dTranspose({
    filters: 1,
    kernelSize: 4,
    strides: 2,
    padding: 'same',
    activation: 'sigmoid',
    kernelInitializer: glorot(random),
    name: 'generator_out',
  });
  g = layerApply(out, g); // [B, res, res, 1]
  return tf.model({ inputs: z, outputs: layerApply(tf.layers.flatten(), g), name: 'generator' });
}

/**
 * E: 28x28 -> conv(ce, stride 2) -> conv(2ce, stride 2), BN -> dense 256 -> z, or (mean, log-variance) when
 * stochastic. Also returns the model of E's penultimate dense layer, sharing its weights.
 */
export function buildBigBiganEncoder(
  settings: BigBiganSettings,
  latentSize: number,
  random: Random,
): { encoder: tf.LayersModel; encoderFeatures: tf.LayersModel } {
  const ce = settings.encoderChannels;
  const conv = (filters: number, name: string) =>
    tf.layers.conv2d({ filters, kernelSize: 4, strides: 2, padding: 'same', kernelInitializer: glorot(random), name });
  const x = tf.input({ shape: [PIXELS], name: 'encoder_x' });
  let e = layerApply(tf.layers.reshape({ targetShape: [IMAGE_SIZE, IMAGE_SIZE, 1] }), x);
  e = layerApply(leaky(), layerApply(conv(ce, 'encoder_conv1'), e)); // [B, 14, 14, ce]
  e = layerApply(conv(2 * ce, 'encoder_conv2'), e); // [B, 7, 7, 2ce]
  e = layerApply(leaky(), layerApply(batchNorm('encoder_bn'), e));
  const dense = tf.layers.dense({ units: FEATURES, kernelInitializer: glorot(random), name: 'encoder_dense' });
  const features = layerApply(leaky(), layerApply(dense, layerApply(tf.layers.flatten(), e))); // [B, 256]
  const mean = layerApply(
    tf.layers.dense({ units: latentSize, kernelInitializer: glorot(random), name: 'encoder_mean' }),
    features,
  );
  const logVariance = () =>
    layerApply(
      tf.layers.dense({ units: latentSize, kernelInitializer: tf.initializers.zeros(), name: 'encoder_logvar' }),
      features,
    );
  const outputs = settings.stochasticEncoder ? [mean, logVariance()] : mean;
  return {
    encoder: tf.model({ inputs: x, outputs, name: 'encoder' }),
    encoderFeatures: tf.model({ inputs: x, outputs: features, name: 'encoder_features' }),
  };
}

/**
 * D: F on x (two strided convolutions and a dense layer), H on z (two dense layers), J on [F(x), H(z)] (two dense
 * layers), and a linear score on each: [x [B, res * res], z [B, latent]] -> [s_x, s_z, s_xz], each [B, 1].
 * Every layer is spectrally normalised, as in BigGAN and BigBiGAN: without it F separates real from generated
 * digits within a few dozen steps and G stops learning.
 */
export function buildBigBiganDiscriminator(
  settings: BigBiganSettings,
  latentSize: number,
  hiddenUnits: number,
  streams: InitStreams,
): tf.LayersModel {
  const res = workingResolution(settings);
  const cd = settings.discriminatorChannels;
  // The part a layer belongs to is its name's prefix: f_, h_, j_, or a score head.
  const part = (name: string) => (/^[fhj]_/.test(name) ? (name[0] as 'f' | 'h' | 'j') : 'scores');
  const conv = (filters: number, name: string) =>
    new SpectralConv2D({
      name,
      filters,
      kernelSize: 4,
      strides: 2,
      activation: 'leakyRelu',
      kernelInitializer: glorot(streams(part(name))),
      seed: streams(part(name)).seed(),
    });
  const dense = (units: number, name: string, activation: 'linear' | 'leakyRelu' = 'leakyRelu') =>
    new SpectralDense({
      name,
      units,
      activation,
      kernelInitializer: glorot(streams(part(name))),
      seed: streams(part(name)).seed(),
    });
  const x = tf.input({ shape: [res * res], name: 'discriminator_x' });
  const z = tf.input({ shape: [latentSize], name: 'discriminator_z' });
  let f = layerApply(tf.layers.reshape({ targetShape: [res, res, 1] }), x);
  f = layerApply(conv(cd, 'f_conv1'), f);
  f = layerApply(conv(2 * cd, 'f_conv2'), f);
  f = layerApply(dense(FEATURES, 'f_dense'), layerApply(tf.layers.flatten(), f));
  let h = layerApply(dense(hiddenUnits, 'h_dense1'), z);
  h = layerApply(dense(FEATURES, 'h_dense2'), h);
  let j = layerApply(tf.layers.concatenate({ name: 'j_input' }), [f, h]);
  j = layerApply(dense(2 * hiddenUnits, 'j_dense1'), j);
  j = layerApply(dense(2 * hiddenUnits, 'j_dense2'), j);
  const score = (name: string, input: tf.SymbolicTensor) => layerApply(dense(1, name, 'linear'), input);
  return tf.model({
    inputs: [x, z],
    outputs: [score('s_x', f), score('s_z', h), score('s_xz', j)],
    name: 'discriminator',
  });
}

/** The random stream each part of the model draws its initial weights from. */
export type InitStreams = (part: 'generator' | 'encoder' | 'f' | 'h' | 'j' | 'scores') => Random;

/**
 * The streams of `seed`: one per part with `pairedInit`, else the one stream every part shares in build order.
 */
export function initStreams(seed: number, pairedInit: boolean): InitStreams {
  if (!pairedInit) {
    const shared = new Random(`init:${seed}`);
    return () => shared;
  }
  const streams = new Map<string, Random>();
  return (part) => {
    if (!streams.has(part)) streams.set(part, new Random(`init:${seed}:${part}`));
    return streams.get(part)!;
  };
}

/** All three networks, initialised from `seed` (see {@link BigBiganSettings.pairedInit}). */
export function buildBigBigan(
  settings: BigBiganSettings,
  latentSize: number,
  hiddenUnits: number,
  seed: number,
): BigBiganNetworks {
  const streams = initStreams(seed, settings.pairedInit);
  const generator = buildBigBiganGenerator(settings, latentSize, streams('generator'));
  const { encoder, encoderFeatures } = buildBigBiganEncoder(settings, latentSize, streams('encoder'));
  const discriminator = buildBigBiganDiscriminator(settings, latentSize, hiddenUnits, streams);
  return { encoder, encoderFeatures, generator, discriminator };
}

/** BigBiGAN as the training loop sees it: hinge losses on the three scores, the ablation settings applied. */
export function createBigBiganModel(
  settings: BigBiganSettings,
  latentSize: number,
  hiddenUnits: number,
  seed: number,
): AdversarialModel {
  const nets = buildBigBigan(settings, latentSize, hiddenUnits, seed);
  const { encoder, generator, discriminator } = nets;
  const res = workingResolution(settings);
  const scores = scoresInUse(settings.unaries, settings.encoder);

  /** z = E(x): the mean, plus eps sigma in training when stochastic. */
  const encodeLatent = (images: tf.Tensor2D, training: boolean, noiseSeed: number): tf.Tensor2D => {
    const out = encoder.apply(images, { training });
    if (!settings.stochasticEncoder) return out as tf.Tensor2D;
    const [mean, logVariance] = out as tf.Tensor2D[];
    if (!training) return mean;
    return mean.add(tf.exp(logVariance.mul(0.5)).mul(tf.randomNormal(mean.shape, 0, 1, 'float32', opSeed(noiseSeed))));
  };
  /** x as F sees it: average-pooled to 14x14 with the high-resolution encoder. */
  const forDiscriminator = (images: tf.Tensor2D): tf.Tensor2D => {
    if (res === IMAGE_SIZE) return images;
    return tf
      .avgPool(images.reshape([-1, IMAGE_SIZE, IMAGE_SIZE, 1]) as tf.Tensor4D, 2, 2, 'valid')
      .reshape([-1, res * res]);
  };
  /**
   * D judges the encoder pairs (x, E(x)) and the generator pairs (G(z), z) as one batch, as BigGAN's D sees real and
   * generated images together: D has no batch statistics, so this changes no score, and each D pass costs half
   * the ops and moves the spectral norms' u one power-iteration step.
   */
  const bothScores = (inputs: StepInputs, { encoded, generated }: EncodedAndGenerated) => {
    const n = inputs.images.shape[0];
    const x = tf.concat([forDiscriminator(inputs.images), generated], 0);
    const z = tf.concat([encoded, inputs.latents], 0);
    const scores = discriminator.apply([x, z], { training: true }) as tf.Tensor[];
    const [encoderScores, generatorScores] = [{}, {}] as Scores[];
    (['x', 'z', 'xz'] as const).forEach((key, i) => {
      [encoderScores[key], generatorScores[key]] = tf.split(scores[i], [n, n], 0);
    });
    return { encoderScores, generatorScores };
  };
  return {
    kind: 'bigbigan',
    conditional: false,
    latentSize,
    networks: { encoder, generator, discriminator },
    variables: (module) => trainableVariables(nets[module]),
    samplePrior: (n, priorSeed) =>
      (settings.prior === 'gaussian'
        ? tf.randomNormal([n, latentSize], 0, 1, 'float32', opSeed(priorSeed))
        : tf.randomUniform([n, latentSize], -1, 1, 'float32', opSeed(priorSeed))) as tf.Tensor2D,
    encodeAndGenerate: (inputs) => ({
      encoded: encodeLatent(inputs.images, true, inputs.seed),
      generated: generator.apply(inputs.latents, { training: true }) as tf.Tensor2D,
    }),
    discriminatorLoss: (inputs, outputs) => {
      const { encoderScores, generatorScores } = bothScores(inputs, outputs);
      return bigbiganDiscriminatorLoss(encoderScores, generatorScores, scores);
    },
    encoderGeneratorLoss: (inputs, outputs) => {
      const { encoderScores, generatorScores } = bothScores(inputs, outputs);
      return bigbiganEncoderGeneratorLoss(encoderScores, generatorScores, scores);
    },
    encode: (images) => tf.tidy(() => encodeLatent(images, false, 0)),
    // E(x) is already a point of the prior's space (its mean, for a stochastic E).
    latentOf: (encoded) => encoded,
    encodeFeatures: (images) => nets.encoderFeatures.apply(images, { training: false }) as tf.Tensor2D,
    dispose: networksDisposer(encoder, generator, discriminator),
    // G works at 14x14 with the high-resolution encoder; samples are upsampled to 28x28 for grids and scores.
    generate: (latents) =>
      tf.tidy(() => {
        const images = generator.apply(latents, { training: false }) as tf.Tensor2D;
        if (res === IMAGE_SIZE) return images;
        return tf.image
          .resizeNearestNeighbor(images.reshape([-1, res, res, 1]) as tf.Tensor4D, [IMAGE_SIZE, IMAGE_SIZE])
          .reshape([-1, PIXELS]) as tf.Tensor2D;
      }),
  };
}
