import * as tf from '@tensorflow/tfjs';
import { nativeBackendActive, nativeBatchNormGrad, nativeBatchNormTraining } from '../backend/native-ops.js';

export interface BatchNormArgs {
  name: string;
  /** Keras' momentum: moving = momentum * moving + (1 - momentum) * batch statistic. */
  momentum: number;
  epsilon: number;
}

type LayerWeight = ReturnType<tf.layers.Layer['addWeight']>;

export interface BatchNormWeights {
  gamma: LayerWeight;
  beta: LayerWeight;
  movingMean: LayerWeight;
  movingVariance: LayerWeight;
}

type Initializer = ReturnType<typeof tf.initializers.ones>;

/**
 * Batch normalisation's four weights, under tfjs-layers' names (checkpoints store them by name); `add` is the
 * layer's own addWeight for a [channels] vector.
 */
export function addBatchNormWeights(
  add: (name: string, init: Initializer, trainable: boolean) => LayerWeight,
): BatchNormWeights {
  return {
    gamma: add('gamma', tf.initializers.ones(), true),
    beta: add('beta', tf.initializers.zeros(), true),
    movingMean: add('moving_mean', tf.initializers.zeros(), false),
    movingVariance: add('moving_variance', tf.initializers.ones(), false),
  };
}

/**
 * Batch normalisation over every axis but the last, with the weights, arithmetic and moving statistics of tfjs'
 * BatchNormalization layer (biased batch variance in the moving average, as tfjs-layers has it), so that runs
 * and checkpoints are interchangeable with it.
 *
 * Why not tfjs-layers' own: in training its moments and its gradient are some thirty elementwise ops over the
 * whole activation. On native TensorFlow this layer runs FusedBatchNormV3 forward and FusedBatchNormGradV3
 * backward. Elsewhere, and in inference, it computes as tfjs-layers does.
 */
export class BatchNorm extends tf.layers.Layer {
  static readonly className = 'BiganBatchNorm';
  private norm!: BatchNormWeights;

  constructor(private readonly args: BatchNormArgs) {
    super({ name: args.name });
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    const channels = shape[shape.length - 1];
    if (channels == null) throw new Error(`${this.name}: the input's last dimension must be known`);
    this.norm = addBatchNormWeights((name, init, trainable) =>
      this.addWeight(name, [channels], 'float32', init, undefined, trainable),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return inputShape as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const { epsilon } = this.args;
      const [gamma, beta] = [this.norm.gamma.read(), this.norm.beta.read()];
      if (kwargs.training !== true)
        return tf.batchNorm(x, this.norm.movingMean.read(), this.norm.movingVariance.read(), beta, gamma, epsilon);
      if (nativeBackendActive()) return this.nativeTraining(x, gamma, beta);
      const axes = x.shape.slice(0, -1).map((_, i) => i);
      const { mean, variance } = tf.moments(x, axes);
      this.updateMovingStatistics(mean, variance);
      return tf.batchNorm(x, mean, variance, beta, gamma, epsilon);
    });
  }

  private updateMovingStatistics(mean: tf.Tensor, biasedVariance: tf.Tensor): void {
    const decay = 1 - this.args.momentum;
    for (const [moving, value] of [
      [this.norm.movingMean, mean],
      [this.norm.movingVariance, biasedVariance],
    ] as const) {
      const old = moving.read();
      moving.write(old.sub(old.sub(value).mul(decay)));
    }
  }

  /** FusedBatchNormV3 on x seen as [N, 1, 1, C] (N every position), its own gradient kernel backward. */
  private nativeTraining(input: tf.Tensor, gammaValue: tf.Tensor, betaValue: tf.Tensor): tf.Tensor {
    const { epsilon } = this.args;
    const shape = input.shape;
    const channels = shape[shape.length - 1];
    const n = input.size / channels;
    const norm = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      const x4 = x.reshape([n, 1, 1, channels]) as tf.Tensor4D;
      // With an average factor of 1 the statistics outputs are the batch's own: its mean and unbiased variance.
      const [y4, mean, unbiasedVariance, ...reserves] = nativeBatchNormTraining(
        x4,
        gamma,
        beta,
        this.norm.movingMean.read(),
        this.norm.movingVariance.read(),
        epsilon,
        1,
      );
      this.updateMovingStatistics(mean, unbiasedVariance.mul(n > 1 ? (n - 1) / n : 1));
      save([x4, gamma, ...reserves]);
      return {
        value: y4.reshape(shape),
        gradFunc: (dy, [sx4, sgamma, ...sreserves]) => {
          const [dx4, dgamma, dbeta] = nativeBatchNormGrad(
            (dy as tf.Tensor).reshape([n, 1, 1, channels]) as tf.Tensor4D,
            sx4 as tf.Tensor4D,
            sgamma,
            sreserves,
            epsilon,
          );
          return [dx4.reshape(shape), dgamma, dbeta];
        },
      };
    });
    return norm(input, gammaValue, betaValue);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.args.momentum, epsilon: this.args.epsilon };
  }
}

tf.serialization.registerClass(BatchNorm);
