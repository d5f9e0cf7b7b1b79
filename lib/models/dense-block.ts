import * as tf from '@tensorflow/tfjs';
import {
  nativeActivation,
  nativeActivationGrad,
  nativeBackendActive,
  nativeBatchNormGrad,
  nativeBatchNormTraining,
  nativeBiasAdd,
  nativeBiasAddGrad,
  nativeMatMul,
  type NativeActivation,
} from '../backend/native-ops.js';
import { addBatchNormWeights } from './batch-norm.js';

export type Activation = NativeActivation;

export interface DenseBlockArgs {
  units: number;
  activation: Activation;
  batchNorm: boolean;
  /** A learned bias after the product (default true; the official BiGAN code's `--nobias` has none). */
  bias?: boolean;
  /**
   * Batch normalisation's learned gain and shift (default true). Without them (the official code's `--nogain
   * --nobias`) the layer keeps gamma 1 and beta 0 as fixed weights, so its checkpoints have the same names.
   */
  affine?: boolean;
  /** Absent when the layer is rebuilt from a saved model's config, whose weights then arrive with it. */
  kernelInitializer?: ReturnType<typeof tf.initializers.randomNormal>;
  name: string;
  /** Slope of LeakyReLU for negative inputs. */
  leakySlope?: number;
  /** Weight of the newest batch in the running statistics: PyTorch's `momentum` (0.1), Keras' 1 - momentum. */
  averageFactor?: number;
  epsilon?: number;
  /** Use the tfjs-ops implementation even on native TensorFlow (tests compare the two). */
  portable?: boolean;
}

type LayerWeight = ReturnType<tf.layers.Layer['addWeight']>;

/** The row groups put back together: the tensor itself when there is one (no copy). */
function joinRows(parts: tf.Tensor[]): tf.Tensor {
  return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
}

/** One batch's pre-normalisation values (as FusedBatchNormV3 takes them), its output and its gradient reserves. */
interface NormalisedGroup {
  h4: tf.Tensor4D;
  y: tf.Tensor;
  reserves: tf.Tensor[];
}

/**
 * One fully connected layer of the BiGAN MLPs: dense, then optional batch normalisation, then the activation,
 * as a single Keras layer.
 *
 * Why not tfjs-layers' Dense + BatchNormalization + Activation: in training they cost about 60 tfjs ops
 * forward and backward (moments, the batch-norm gradient, rank-3 reshapes around every matmul), each paying
 * ~30 us of dispatch. On native TensorFlow this layer runs MatMul, BiasAdd, FusedBatchNormV3 (which also
 * updates the running statistics) and the activation forward, and their own gradient kernels backward: a
 * dozen ops in all. Elsewhere, and in inference, it is written in ordinary tfjs ops; both give the same numbers.
 */
export class DenseBlock extends tf.layers.Layer {
  static readonly className = 'BiganDenseBlock';
  private readonly config: Required<Omit<DenseBlockArgs, 'name'>>;
  private kernel!: LayerWeight;
  private bias?: LayerWeight;
  private gamma?: LayerWeight;
  private beta?: LayerWeight;
  private movingMean?: LayerWeight;
  private movingVariance?: LayerWeight;
  /**
   * False while another module's update runs through this block (D during E and G's step): the gradient kernels
   * for its own weights are then skipped. tfjs' custom gradients cannot tell which inputs a tape needs, so the
   * model says (see `withGradients` in blocks.ts).
   */
  weightGradients = true;
  /** False while nothing upstream of this block's input is trained: the input's gradient kernel is skipped. */
  inputGradients = true;
  /**
   * In training, the input's rows are this many batches stacked, each normalised by its own statistics (and
   * updating the running statistics in turn, first group first), as if the block ran on each separately. One
   * product over the stacked rows is faster than one per batch: BiGAN's D judges encoder and generator pairs so.
   */
  batchGroups = 1;
  /**
   * While set, a training pass moves the running statistics by this factor instead of the configured one: 1/k on
   * the k-th of a series of batches leaves them the plain average of the k batches' statistics, as the official
   * BiGAN code's batch-norm re-estimation computes them (see `reestimateBatchNorm`).
   */
  statisticsFactor: number | null = null;

  constructor(args: DenseBlockArgs) {
    super({ name: args.name });
    this.config = {
      leakySlope: 0.2,
      averageFactor: 0.1,
      epsilon: 1e-5,
      portable: false,
      bias: true,
      affine: true,
      ...args,
      kernelInitializer: args.kernelInitializer ?? tf.initializers.zeros(),
    };
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inputDim = shape[shape.length - 1];
    if (inputDim == null) throw new Error(`${this.name}: the input's last dimension must be known`);
    const { units } = this.config;
    this.kernel = this.addWeight('kernel', [inputDim, units], 'float32', this.config.kernelInitializer);
    if (this.config.bias) this.bias = this.addWeight('bias', [units], 'float32', tf.initializers.zeros());
    if (this.config.batchNorm) {
      const { affine } = this.config;
      ({
        gamma: this.gamma,
        beta: this.beta,
        movingMean: this.movingMean,
        movingVariance: this.movingVariance,
      } = addBatchNormWeights((name, init, trainable) =>
        this.addWeight(name, [units], 'float32', init, undefined, trainable && affine),
      ));
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...shape.slice(0, -1), this.config.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const training = kwargs.training === true;
      if (training && !this.config.portable && nativeBackendActive()) return this.nativeTraining(x);
      return this.portable(x, training);
    });
  }

  private portable(x: tf.Tensor, training: boolean): tf.Tensor {
    const { batchNorm, epsilon, activation, leakySlope } = this.config;
    const averageFactor = this.statisticsFactor ?? this.config.averageFactor;
    let h: tf.Tensor = tf.matMul(x as tf.Tensor2D, this.kernel.read() as tf.Tensor2D);
    if (this.bias) h = h.add(this.bias.read());
    if (batchNorm) {
      const gamma = this.gamma!.read();
      const beta = this.beta!.read();
      if (training) {
        const normalised = this.groupRows(h).map((part) => {
          const { mean, variance } = tf.moments(part, 0);
          const n = part.shape[0];
          this.updateRunningStatistics(mean, variance.mul(n / (n - 1)), averageFactor);
          return tf.batchNorm(part, mean, variance, beta, gamma, epsilon);
        });
        h = joinRows(normalised);
      } else {
        h = tf.batchNorm(h, this.movingMean!.read(), this.movingVariance!.read(), beta, gamma, epsilon);
      }
    }
    switch (activation) {
      case 'linear':
        return h;
      case 'leakyRelu':
        return tf.leakyRelu(h, leakySlope);
      default:
        return tf[activation](h);
    }
  }

  /** The input's row groups (see {@link batchGroups}): the whole tensor when there is one. */
  private groupRows(h: tf.Tensor): tf.Tensor[] {
    const groups = this.batchGroups;
    if (groups === 1) return [h];
    const n = h.shape[0]!;
    if (n % groups !== 0) throw new Error(`${this.name}: ${n} rows cannot be split into ${groups} equal batches`);
    return tf.split(h, groups, 0);
  }

  private updateRunningStatistics(mean: tf.Tensor, unbiasedVariance: tf.Tensor, factor: number): void {
    this.movingMean!.write(
      this.movingMean!.read()
        .mul(1 - factor)
        .add(mean.mul(factor)),
    );
    this.movingVariance!.write(
      this.movingVariance!.read()
        .mul(1 - factor)
        .add(unbiasedVariance.mul(factor)),
    );
  }

  /**
   * The block as a custom gradient whose differentiable inputs are x (when `inputGradients`) and the weights
   * (when `weightGradients`); the rest enter as constants, so their gradient kernels never run.
   */
  private nativeTraining(input: tf.Tensor): tf.Tensor {
    const { batchNorm, activation, leakySlope, affine } = this.config;
    const averageFactor = this.statisticsFactor ?? this.config.averageFactor;
    // Read now: the flags are reset when the forward pass ends, before the backward pass runs.
    const { inputGradients, weightGradients } = this;
    const bias = this.bias;
    const normAffine = batchNorm && affine;
    // The learned weights, in the order of their gradients: kernel, [bias], [gamma, beta].
    const weights = [this.kernel, ...(bias ? [bias] : []), ...(normAffine ? [this.gamma!, this.beta!] : [])];
    const differentiable = [
      ...(inputGradients ? [input] : []),
      ...(weightGradients ? weights.map((w) => w.read()) : []),
    ];
    const unpack = (args: tf.Tensor[]): tf.Tensor[] => {
      const x = inputGradients ? args.shift()! : input;
      return [x, ...(weightGradients ? args : weights.map((w) => w.read()))];
    };
    const gradients = (dx: () => tf.Tensor, dWeights: () => tf.Tensor[]): tf.Tensor[] => [
      ...(inputGradients ? [dx()] : []),
      ...(weightGradients ? dWeights() : []),
    ];
    /** kernel, bias (or null), gamma and beta (the fixed ones when not learned) from the learned weights' values. */
    const named = (values: tf.Tensor[]) => {
      const [w, ...rest] = values;
      const b = bias ? rest.shift()! : null;
      const [gamma, beta] = normAffine ? rest : batchNorm ? [this.gamma!.read(), this.beta!.read()] : [];
      return { w, b, gamma, beta };
    };

    const forward = (x: tf.Tensor, values: tf.Tensor[]) => this.forwardPass(x, named(values), averageFactor);
    if (differentiable.length === 0) {
      const { y } = forward(
        input,
        weights.map((w) => w.read()),
      );
      return nativeActivation(y, activation, leakySlope);
    }
    const block = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const save = args.pop() as tf.GradSaveFunc;
      const [x, ...values] = unpack(args as tf.Tensor[]);
      const { w, gamma } = named(values);
      const { y, groups } = forward(x, values);
      const out = nativeActivation(y, activation, leakySlope);
      // Saved flat: x, w, y, out, then (with batch norm) gamma and each group's h4 and three reserves.
      const perGroup = groups.flatMap((g) => [g.h4, ...g.reserves]);
      save([x, w, y, out, ...(batchNorm ? [gamma, ...perGroup] : [])]);
      return {
        value: out,
        gradFunc: (dy, [sx, sw, sy, sout, sgamma, ...saved]) => {
          let dh = nativeActivationGrad(dy as tf.Tensor, sy, sout, activation, leakySlope);
          let dNorm: tf.Tensor[] = [];
          if (batchNorm) ({ dh, dNorm } = this.batchNormBackward(dh, groups.length, sgamma, saved));
          const grads = gradients(
            () => nativeMatMul(dh, sw, false, true),
            () => [
              nativeMatMul(sx, dh, true, false),
              ...(bias ? [nativeBiasAddGrad(dh)] : []),
              ...(affine ? dNorm : []),
            ],
          );
          if (!weightGradients || !affine) tf.dispose(dNorm);
          return grads;
        },
      };
    });
    return block(...differentiable);
  }

  /** x W (+ b), then batch norm in training mode per group of rows, updating the running statistics. */
  private forwardPass(
    x: tf.Tensor,
    { w, b, gamma, beta }: { w: tf.Tensor; b: tf.Tensor | null; gamma?: tf.Tensor; beta?: tf.Tensor },
    averageFactor: number,
  ): { y: tf.Tensor; groups: NormalisedGroup[] } {
    const { units, batchNorm, epsilon } = this.config;
    const product = nativeMatMul(x, w);
    const h = b ? nativeBiasAdd(product, b) : product;
    if (!batchNorm) return { y: h, groups: [] };
    const groups = this.groupRows(h).map((part): NormalisedGroup => {
      const rows = part.shape[0]!;
      const h4 = part.reshape([rows, 1, 1, units]) as tf.Tensor4D;
      const [y4, runningMean, runningVariance, ...reserves] = nativeBatchNormTraining(
        h4,
        gamma!,
        beta!,
        this.movingMean!.read(),
        this.movingVariance!.read(),
        epsilon,
        averageFactor,
      );
      this.movingMean!.write(runningMean);
      this.movingVariance!.write(runningVariance);
      return { h4, y: y4.reshape([rows, units]), reserves };
    });
    return { y: joinRows(groups.map((g) => g.y)), groups };
  }

  /**
   * Batch norm's backward pass per group of rows: the gradient with respect to the normalised layer's input, and
   * those of gamma and beta summed over the groups. `saved` holds each group's h4 and three reserves in turn.
   */
  private batchNormBackward(
    dh: tf.Tensor,
    groupCount: number,
    gamma: tf.Tensor,
    saved: tf.Tensor[],
  ): { dh: tf.Tensor; dNorm: tf.Tensor[] } {
    const { units, epsilon } = this.config;
    const parts = groupCount === 1 ? [dh] : tf.split(dh, groupCount, 0);
    const results = parts.map((part, g) => {
      const [sh, ...reserves] = saved.slice(4 * g, 4 * g + 4);
      const rows = part.shape[0]!;
      const [dh4, dgamma, dbeta] = nativeBatchNormGrad(
        part.reshape([rows, 1, 1, units]) as tf.Tensor4D,
        sh as tf.Tensor4D,
        gamma,
        reserves,
        epsilon,
      );
      return { dh: dh4.reshape([rows, units]), dgamma, dbeta };
    });
    const sum = (ts: tf.Tensor[]) => (ts.length === 1 ? ts[0] : tf.addN(ts));
    return {
      dh: joinRows(results.map((r) => r.dh)),
      dNorm: [sum(results.map((r) => r.dgamma)), sum(results.map((r) => r.dbeta))],
    };
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { units, activation, batchNorm, leakySlope, averageFactor, epsilon, bias, affine } = this.config;
    return { ...super.getConfig(), units, activation, batchNorm, leakySlope, averageFactor, epsilon, bias, affine };
  }
}

tf.serialization.registerClass(DenseBlock);
