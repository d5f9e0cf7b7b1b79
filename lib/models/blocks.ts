import * as tf from '@tensorflow/tfjs';
import { Random } from '../util/random.js';
import { BatchNorm } from './batch-norm.js';
import { DenseBlock, type Activation } from './dense-block.js';

export type { Activation };

/** One fully connected layer: dense, then optional batch normalisation, then the activation. */
export interface DenseLayerSpec {
  units: number;
  activation: Activation;
  batchNorm?: boolean;
  /** The kernel starts at zero (the official BiGAN D's last layer, so that D starts undecided), not N(0, std). */
  zeroKernel?: boolean;
}

/** What every layer of a network shares: biases, batch norm's gain and shift, its epsilon. */
export interface DenseStyle {
  bias: boolean;
  affine: boolean;
  epsilon: number;
}

export const REPRODUCTION_STYLE: DenseStyle = { bias: true, affine: true, epsilon: 1e-5 };

/**
 * How weights start: N(0, std) kernels and zero biases, each layer seeded from one Random so that a model's
 * initialisation depends only on the run's seed.
 */
export class Initializer {
  constructor(
    private readonly random: Random,
    readonly stddev = 0.02,
  ) {}

  kernel(): ReturnType<typeof tf.initializers.randomNormal> {
    return tf.initializers.randomNormal({ mean: 0, stddev: this.stddev, seed: this.random.seed() });
  }
}

// PyTorch's BatchNorm defaults (momentum 0.1 there is 0.9 in Keras' terms, epsilon 1e-5), as the reference code.
export const BATCH_NORM = { momentum: 0.9, epsilon: 1e-5 };
export const LEAKY_SLOPE = 0.2;

export function activation(x: tf.SymbolicTensor, kind: Activation, name: string): tf.SymbolicTensor {
  switch (kind) {
    case 'linear':
      return x;
    case 'leakyRelu':
      return tf.layers.leakyReLU({ alpha: LEAKY_SLOPE, name }).apply(x) as tf.SymbolicTensor;
    default:
      return tf.layers.activation({ activation: kind, name }).apply(x) as tf.SymbolicTensor;
  }
}

/** Dense -> [batch norm] -> activation, for each spec in turn (one {@link DenseBlock} each). Returns every layer's output. */
export function denseStack(
  input: tf.SymbolicTensor,
  specs: DenseLayerSpec[],
  init: Initializer,
  prefix: string,
  style: DenseStyle = REPRODUCTION_STYLE,
): tf.SymbolicTensor[] {
  const outputs: tf.SymbolicTensor[] = [];
  let x = input;
  specs.forEach((spec, i) => {
    const block = new DenseBlock({
      name: `${prefix}_${i + 1}`,
      units: spec.units,
      activation: spec.activation,
      batchNorm: spec.batchNorm ?? false,
      bias: style.bias,
      affine: style.affine,
      kernelInitializer: spec.zeroKernel ? tf.initializers.zeros() : init.kernel(),
      leakySlope: LEAKY_SLOPE,
      averageFactor: 1 - BATCH_NORM.momentum,
      epsilon: style.epsilon,
    });
    x = block.apply(x) as tf.SymbolicTensor;
    outputs.push(x);
  });
  return outputs;
}

export function concat(inputs: tf.SymbolicTensor[], name: string): tf.SymbolicTensor {
  return tf.layers.concatenate({ name }).apply(inputs) as tf.SymbolicTensor;
}

/** The variable behind a layer weight (tfjs types `read()` as returning a plain tensor; it is the variable). */
export function layerVariable(weight: tf.LayerVariable): tf.Variable {
  return (weight as unknown as { read(): tf.Variable }).read();
}

/** The trainable variables of some models, for an optimizer's explicit variable list. */
export function trainableVariables(...models: tf.LayersModel[]): tf.Variable[] {
  return models.flatMap((m) => m.trainableWeights.map(layerVariable));
}

/**
 * A model's `dispose()`: frees the networks' weights once; later calls do nothing, so a model disposed by its user
 * and again by a cache is safe. The encoder-features model shares the encoder's layers and is not passed.
 */
export function networksDisposer(...models: tf.LayersModel[]): () => void {
  let disposed = false;
  return () => {
    if (disposed) return;
    disposed = true;
    models.forEach((m) => m.dispose());
  };
}

/** Which gradients a model's {@link DenseBlock}s compute while some code runs. */
export interface BlockGradients {
  /** Gradients for the blocks' own weights: off when another module's update runs through the model. */
  weights?: boolean;
  /**
   * Gradients with respect to the model's inputs, at the blocks that read them: off when nothing upstream of
   * the inputs is being trained (data, prior samples, or another network's output during D's update).
   */
  modelInputs?: boolean;
}

/** The DenseBlocks that read a model's inputs, directly or through layers without weights (a concatenation). */
function inputBlocks(model: tf.LayersModel): DenseBlock[] {
  const readsInputsOnly = (layer: tf.layers.Layer): boolean =>
    layer.inboundNodes.every((node) => node.inboundLayers.every((l) => l.weights.length === 0 && readsInputsOnly(l)));
  return model.layers.filter((l): l is DenseBlock => l instanceof DenseBlock && readsInputsOnly(l));
}

/**
 * Runs `forward` with some gradients of `model`'s DenseBlocks switched off, so that the backward pass skips
 * kernels whose results nobody reads. Weight gradients of D cost about 7% of a BiGAN step during E and G's
 * update; the input gradients of the layers that read data about 7% more.
 */
export function withGradients<T>(model: tf.LayersModel, gradients: BlockGradients, forward: () => T): T {
  const all = model.layers.filter((l): l is DenseBlock => l instanceof DenseBlock);
  const first = gradients.modelInputs === false ? inputBlocks(model) : [];
  if (gradients.weights === false) all.forEach((b) => (b.weightGradients = false));
  first.forEach((b) => (b.inputGradients = false));
  try {
    return forward();
  } finally {
    all.forEach((b) => {
      b.weightGradients = true;
      b.inputGradients = true;
    });
  }
}

/**
 * Whether `model` can judge several batches stacked in one call with {@link withBatchGroups}: every layer that
 * normalises by batch statistics is a DenseBlock (tfjs-layers' BatchNormalization or our BatchNorm would pool
 * the batches).
 */
export function supportsBatchGroups(model: tf.LayersModel): boolean {
  const pooling = new Set(['BatchNormalization', BatchNorm.className]);
  return model.layers.every((l) => !pooling.has(l.getClassName()));
}

/**
 * Runs `forward` with `model`'s DenseBlocks treating their input rows as `groups` stacked batches, each with its
 * own batch statistics (see {@link DenseBlock.batchGroups}).
 */
export function withBatchGroups<T>(model: tf.LayersModel, groups: number, forward: () => T): T {
  if (!supportsBatchGroups(model)) throw new Error(`${model.name} has batch normalisation outside its DenseBlocks`);
  const blocks = model.layers.filter((l): l is DenseBlock => l instanceof DenseBlock);
  blocks.forEach((b) => (b.batchGroups = groups));
  try {
    return forward();
  } finally {
    blocks.forEach((b) => (b.batchGroups = 1));
  }
}
