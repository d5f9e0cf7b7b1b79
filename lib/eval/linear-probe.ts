import * as tf from '@tensorflow/tfjs';
import { NUM_CLASSES, oneHotLabels } from '../data/mnist.js';
import { createAdam } from '../optim/adam.js';
import { Random } from '../util/random.js';
import type { Embeddings } from './knn.js';

export interface LinearProbeOptions {
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** L2 penalty (coupled, as PyTorch's Adam weight_decay). */
  weightDecay?: number;
  seed?: number;
}

/**
 * Test accuracy of multinomial logistic regression trained on frozen features: how linearly the representation
 * separates the digits. Features are standardised with the training set's mean and deviation; the classifier is
 * trained by Adam on mini-batches.
 */
export function linearProbeAccuracy(
  train: Embeddings,
  trainLabels: Uint8Array,
  test: Embeddings,
  testLabels: Uint8Array,
  options: LinearProbeOptions = {},
): number {
  const { epochs = 20, batchSize = 256, learningRate = 1e-3, weightDecay = 1e-4, seed = 0 } = options;
  if (train.dim !== test.dim) throw new Error(`train dim ${train.dim} differs from test dim ${test.dim}`);
  const dim = train.dim;
  const random = new Random(`probe:${seed}`);
  const xTrain = tf.tensor2d(train.values, [train.count, dim]);
  const { mean, variance } = tf.moments(xTrain, 0);
  const scale = tf.tidy(() => variance.sqrt().add(1e-6));
  // tidy frees the zeros that tf.variable copies (variables themselves outlive it).
  const weights = tf.tidy(() => tf.variable(tf.zeros([dim, NUM_CLASSES])));
  const bias = tf.tidy(() => tf.variable(tf.zeros([NUM_CLASSES])));
  const optimizer = createAdam([weights, bias], { learningRate, beta1: 0.9, beta2: 0.999, weightDecay });
  const yTrain = oneHotLabels(trainLabels);
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = random.permutation(train.count);
      for (let start = 0; start + batchSize <= train.count; start += batchSize) {
        tf.tidy(() => {
          const idx = tf.tensor1d(order.subarray(start, start + batchSize), 'int32');
          const x = xTrain.gather(idx).sub(mean).div(scale);
          const y = yTrain.gather(idx);
          const { value, grads } = tf.variableGrads(
            () => tf.losses.softmaxCrossEntropy(y, x.matMul(weights).add(bias)) as tf.Scalar,
            [weights, bias],
          );
          optimizer.apply([grads[weights.name], grads[bias.name]]);
          tf.dispose([value, ...Object.values(grads)]);
        });
      }
    }
    return tf.tidy(() => {
      const x = tf.tensor2d(test.values, [test.count, dim]).sub(mean).div(scale);
      const predicted = x.matMul(weights).add(bias).argMax(1);
      return predicted.equal(tf.tensor1d(testLabels, 'int32')).sum().dataSync()[0] / test.count;
    });
  } finally {
    tf.dispose([xTrain, mean, variance, scale, weights, bias, yTrain]);
    optimizer.dispose();
  }
}
