import * as tf from '@tensorflow/tfjs';

/**
 * Spectral normalisation (Miyato et al., 2018), as BigGAN and BigBiGAN use it in the discriminator: the layer
 * computes with W / sigma(W), sigma the largest singular value of the kernel seen as a [fan-in, units] matrix,
 * estimated by one step of power iteration per training call from a vector u kept between calls (a non-trainable
 * weight, so checkpoints hold it). Gradients flow through sigma with u and v held fixed, as in the paper's code.
 * tfjs has no layer wrapper that can reparametrise another layer's kernel, hence these two layers.
 */

const POWER_EPSILON = 1e-12;

// tfjs has no stop-gradient op: an identity whose gradient is zero.
const stopGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return { value: x.clone(), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
}) as <T extends tf.Tensor>(x: T) => T;

const normalize = (v: tf.Tensor2D): tf.Tensor2D => v.div(v.square().sum().add(POWER_EPSILON).sqrt());

/** The kernel divided by its spectral norm; in training, u moves one power-iteration step. */
function spectrallyNormalized(kernel: tf.LayerVariable, uState: tf.LayerVariable, training: boolean): tf.Tensor {
  const w = kernel.read();
  const units = w.shape[w.rank - 1];
  const matrix = w.reshape([-1, units]) as tf.Tensor2D; // W: [fan-in, units]
  // u and v come from a gradient-free copy of W, so that only sigma's own dependence on W is differentiated.
  const fixed = stopGradient(matrix);
  let u = uState.read() as tf.Tensor2D; // [1, units]
  const v = normalize(u.matMul(fixed, false, true) as tf.Tensor2D); // [1, fan-in]
  if (training) {
    u = normalize(v.matMul(fixed) as tf.Tensor2D);
    uState.write(u);
  }
  const sigma = v.matMul(matrix).matMul(u, false, true); // v W u^T: [1, 1]
  return w.div(sigma.reshape([]));
}

interface SpectralArgs {
  name: string;
  kernelInitializer: ReturnType<typeof tf.initializers.randomNormal>;
  /** Seeds u's starting direction. */
  seed: number;
}

abstract class SpectralLayer extends tf.layers.Layer {
  protected kernel!: tf.LayerVariable;
  protected bias!: tf.LayerVariable;
  protected u!: tf.LayerVariable;

  constructor(protected readonly spectral: SpectralArgs) {
    super({ name: spectral.name });
  }

  protected addSpectralWeights(kernelShape: number[]): void {
    const units = kernelShape[kernelShape.length - 1];
    this.kernel = this.addWeight('kernel', kernelShape, 'float32', this.spectral.kernelInitializer);
    this.bias = this.addWeight('bias', [units], 'float32', tf.initializers.zeros());
    this.u = this.addWeight(
      'u',
      [1, units],
      'float32',
      tf.initializers.randomNormal({ seed: this.spectral.seed }),
      undefined,
      false,
    );
  }

  protected normalizedKernel(kwargs: tf.serialization.ConfigDict): tf.Tensor {
    return spectrallyNormalized(this.kernel, this.u, kwargs.training === true);
  }
}

/** A dense layer with a spectrally normalised kernel. */
export class SpectralDense extends SpectralLayer {
  static className = 'SpectralDense';

  constructor(private readonly args: SpectralArgs & { units: number }) {
    super(args);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    this.addSpectralWeights([shape[shape.length - 1]!, this.args.units]);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [...(inputShape as tf.Shape).slice(0, -1), this.args.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
      return x.matMul(this.normalizedKernel(kwargs) as tf.Tensor2D).add(this.bias.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.args.units, seed: this.spectral.seed };
  }
}

/** A 2-D convolution ('same' padding) with a spectrally normalised kernel. */
export class SpectralConv2D extends SpectralLayer {
  static className = 'SpectralConv2D';

  constructor(private readonly args: SpectralArgs & { filters: number; kernelSize: number; strides: number }) {
    super(args);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    this.addSpectralWeights([this.args.kernelSize, this.args.kernelSize, shape[3]!, this.args.filters]);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [batch, height, width] = inputShape as tf.Shape;
    const out = (n: number | null) => (n === null ? null : Math.ceil(n / this.args.strides));
    return [batch, out(height), out(width), this.args.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      return tf
        .conv2d(x, this.normalizedKernel(kwargs) as tf.Tensor4D, this.args.strides, 'same')
        .add(this.bias.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { filters, kernelSize, strides } = this.args;
    return { ...super.getConfig(), filters, kernelSize, strides, seed: this.spectral.seed };
  }
}

tf.serialization.registerClass(SpectralDense);
tf.serialization.registerClass(SpectralConv2D);
