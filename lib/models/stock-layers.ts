import * as tf from '@tensorflow/tfjs';
import { BatchNorm } from './batch-norm.js';
import { DenseBlock } from './dense-block.js';

/**
 * The batch-norm half of a DenseBlock in a stock model is a layer of its own, named after the block with this
 * suffix; {@link libraryWeightName} maps its weights back to the block's.
 */
const NORM_SUFFIX = '__bn';

/** The library's name of a stock model's weight: `enc_2__bn/gamma` belongs to block `enc_2`'s `gamma`. */
export function libraryWeightName(stockName: string): string {
  return stockName.replace(`${NORM_SUFFIX}/`, '/');
}

type Layer = tf.layers.Layer;

/** A new layer of `layer`'s stock class and config, through the registry tfjs deserialises saved models with. */
function stockCopy(layer: Layer): Layer {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[layer.getClassName()];
  if (!entry) throw new Error(`${layer.name}: ${layer.getClassName()} is not a registered TensorFlow.js class`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, layer.getConfig()) as Layer;
}

/** The stock layers that compute what `block` computes in inference: Dense, then BatchNormalization, then the activation. */
function stockDenseBlock(block: DenseBlock, input: tf.SymbolicTensor): { output: tf.SymbolicTensor; fill: () => void } {
  const config = block.getConfig();
  const bias = config.bias !== false;
  const affine = config.affine !== false;
  const weights = Object.fromEntries(block.weights.map((w) => [w.originalName.split('/').pop()!, w.read()]));
  const dense = tf.layers.dense({ units: config.units as number, useBias: bias, name: block.name });
  let output = dense.apply(input) as tf.SymbolicTensor;
  let norm: Layer | null = null;
  if (config.batchNorm) {
    norm = tf.layers.batchNormalization({
      name: `${block.name}${NORM_SUFFIX}`,
      epsilon: config.epsilon as number,
      momentum: 1 - (config.averageFactor as number),
      center: affine,
      scale: affine,
    });
    output = norm.apply(output) as tf.SymbolicTensor;
  }
  const activation = config.activation as string;
  if (activation === 'leakyRelu')
    output = tf.layers
      .leakyReLU({ alpha: config.leakySlope as number, name: `${block.name}__act` })
      .apply(output) as tf.SymbolicTensor;
  else if (activation !== 'linear')
    output = tf.layers
      .activation({ activation: activation as 'relu', name: `${block.name}__act` })
      .apply(output) as tf.SymbolicTensor;
  const fill = () => {
    dense.setWeights(bias ? [weights.kernel, weights.bias] : [weights.kernel]);
    if (norm) {
      const statistics = [weights.moving_mean, weights.moving_variance];
      norm.setWeights(affine ? [weights.gamma, weights.beta, ...statistics] : statistics);
    }
  };
  return { output, fill };
}

/**
 * `net` rebuilt from stock TensorFlow.js layers only (Dense, BatchNormalization, activations, and the stock layers
 * it already had), with its weights: a model that `tf.loadLayersModel` loads in any TensorFlow.js runtime without
 * this project's classes, computing what `net` computes in inference. DenseBlocks become Dense [+
 * BatchNormalization] + activation; BatchNorm becomes BatchNormalization. E and G carry no spectral
 * normalisation (only D does, and D is not shipped), so no kernel needs folding.
 */
export function toStockLayers(net: tf.LayersModel): tf.LayersModel {
  const outputs = new Map<string, tf.SymbolicTensor>();
  const fills: (() => void)[] = [];
  for (const layer of net.layers) {
    const node = layer.inboundNodes[0];
    const sources = node.inboundLayers.map((l, i) => {
      const found = outputs.get(l.name);
      if (!found)
        throw new Error(
          `${net.name}: layer ${layer.name} reads ${l.name} (output ${node.tensorIndices[i]}) before it is built`,
        );
      return found;
    });
    const input = sources.length === 1 ? sources[0] : sources;
    if (layer.getClassName() === 'InputLayer') {
      const shape = (layer.getConfig().batchInputShape as number[]).slice(1);
      outputs.set(layer.name, tf.input({ shape, name: layer.name }));
    } else if (layer instanceof DenseBlock) {
      const { output, fill } = stockDenseBlock(layer, input as tf.SymbolicTensor);
      outputs.set(layer.name, output);
      fills.push(fill);
    } else if (layer instanceof BatchNorm) {
      const config = layer.getConfig();
      const norm = tf.layers.batchNormalization({
        name: layer.name,
        epsilon: config.epsilon as number,
        momentum: config.momentum as number,
      });
      outputs.set(layer.name, norm.apply(input) as tf.SymbolicTensor);
      const values = layer.getWeights();
      fills.push(() => norm.setWeights(values));
    } else {
      const copy = stockCopy(layer);
      outputs.set(layer.name, copy.apply(input) as tf.SymbolicTensor);
      const values = layer.getWeights();
      if (values.length > 0) fills.push(() => copy.setWeights(values));
    }
  }
  const stock = tf.model({
    inputs: net.inputs.map((i) => outputs.get(i.sourceLayer.name)!),
    outputs: net.outputs.map((o) => outputs.get(o.sourceLayer.name)!),
    name: net.name,
  });
  fills.forEach((fill) => fill());
  return stock;
}
