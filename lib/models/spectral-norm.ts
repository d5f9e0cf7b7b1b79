import * as tf from '@tensorflow/tfjs';
import { nativeBackendActive, nativeMatMul } from '../backend/native-ops.js';
import { LEAKY_SLOPE } from './blocks.js';
import { nativeDense } from './native-dense.js';

/**
 * Spectral normalisation (Miyato et al., 2018), as BigGAN and BigBiGAN use it in the discriminator: the layer
 * computes with W / sigma(W), sigma the largest singular value of the kernel seen as a [fan-in, units] matrix,
 * estimated by one step of power iteration per training call from a vector u kept between calls (a non-trainable
 * weight, so checkpoints hold it). Gradients flow through sigma with u and v held fixed, as in the paper's code.
 * tfjs has no layer wrapper that can reparametrise another layer's kernel, hence these two layers.
 */

const POWER_EPSILON = 1e-12;

/** 2-D product; on native TensorFlow without tfjs' reshapes to rank 3 (this runs outside the gradient tape). */
const matMul = (a: tf.Tensor2D, b: tf.Tensor2D, transposeA = false, transposeB = false): tf.Tensor2D =>
  nativeBackendActive() ? nativeMatMul(a, b, transposeA, transposeB) : tf.matMul(a, b, transposeA, transposeB);

const normalize = (v: tf.Tensor2D): tf.Tensor2D => v.div(v.square().sum().add(POWER_EPSILON).sqrt());

/**
 * The kernel divided by its spectral norm sigma = v W u^T; in training, u moves one power-iteration step first.
 * One custom-gradient op: u and v are constants of the gradient (as in the paper's code), so
 * dL/dW = G / sigma - (sum(G * W) / sigma^2) v^T u, G being dL/d(W / sigma). Written with tfjs' autodiff this was
 * some fifty recorded ops per layer and call; here the forward ops run untaped and the backward is five ops.
 */
function spectrallyNormalized(kernel: tf.LayerVariable, uState: tf.LayerVariable, training: boolean): tf.Tensor {
  const normalized = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [w, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const units = w.shape[w.rank - 1];
    const matrix = w.reshape([-1, units]) as tf.Tensor2D; // W: [fan-in, units]
    let u = uState.read() as tf.Tensor2D; // [1, units]
    const v = normalize(matMul(u, matrix, false, true)); // [1, fan-in]
    const vw = matMul(v, matrix); // v W: [1, units]
    if (training) {
      u = normalize(vw);
      uState.write(u);
    }
    const sigma = matMul(vw, u, false, true).reshape([]) as tf.Scalar; // v W u^T
    const value = w.div(sigma);
    save([w, value, sigma, v, u]);
    return {
      value,
      gradFunc: (dy, [sw, svalue, ssigma, sv, su]) => {
        const g = dy as tf.Tensor;
        // (G - sum(G * W / sigma) v^T u) / sigma, the formula above with one division.
        const scale = g.mul(svalue).sum();
        const outer = matMul(sv as tf.Tensor2D, su as tf.Tensor2D, true, false).reshape(sw.shape);
        return g.sub(outer.mul(scale)).div(ssigma);
      },
    };
  });
  return normalized(kernel.read());
}

interface SpectralArgs {
  name: string;
  kernelInitializer: ReturnType<typeof tf.initializers.randomNormal>;
  /** Seeds u's starting direction. */
  seed: number;
  /** Applied to the output (default linear): LeakyReLU inside the layer lets the native path fuse it. */
  activation?: 'linear' | 'leakyRelu';
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

  protected activate(x: tf.Tensor): tf.Tensor {
    return this.spectral.activation === 'leakyRelu' ? tf.leakyRelu(x, LEAKY_SLOPE) : x;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.spectral.seed, activation: this.spectral.activation ?? 'linear' };
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
      const kernel = this.normalizedKernel(kwargs) as tf.Tensor2D;
      if (kwargs.training === true && nativeBackendActive())
        return nativeDense(x, kernel, this.bias.read(), this.spectral.activation ?? 'linear', LEAKY_SLOPE);
      return this.activate(x.matMul(kernel).add(this.bias.read()));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.args.units };
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
      return this.activate(
        tf.conv2d(x, this.normalizedKernel(kwargs) as tf.Tensor4D, this.args.strides, 'same').add(this.bias.read()),
      );
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { filters, kernelSize, strides } = this.args;
    return { ...super.getConfig(), filters, kernelSize, strides };
  }
}

tf.serialization.registerClass(SpectralDense);
tf.serialization.registerClass(SpectralConv2D);
