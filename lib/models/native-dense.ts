import * as tf from '@tensorflow/tfjs';
import {
  nativeActivation,
  nativeActivationGrad,
  nativeBiasAdd,
  nativeBiasAddGrad,
  nativeMatMul,
  type NativeActivation,
} from '../backend/native-ops.js';

/**
 * activation(x W + b) as one custom-gradient op on native TensorFlow: MatMul, BiasAdd and the activation forward,
 * their gradient kernels backward, where tfjs' matMul, add and activation cost about fifteen recorded ops with
 * their rank-3 reshapes. The activation's gradient is taken from its output, which has the sign of its input
 * for every activation used here (LeakyReLU's slope is positive). Only valid on the tensorflow backend.
 */
export function nativeDense(
  x: tf.Tensor,
  kernel: tf.Tensor,
  bias: tf.Tensor,
  activation: NativeActivation,
  leakySlope: number,
): tf.Tensor2D {
  const dense = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, w, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const y = nativeActivation(nativeBiasAdd(nativeMatMul(input, w), b), activation, leakySlope);
    save([input, w, y]);
    return {
      value: y,
      gradFunc: (dy, [sx, sw, sy]) => {
        const dh = nativeActivationGrad(dy as tf.Tensor, sy, sy, activation, leakySlope);
        return [nativeMatMul(dh, sw, false, true), nativeMatMul(sx, dh, true, false), nativeBiasAddGrad(dh)];
      },
    };
  });
  return dense(x, kernel, bias) as tf.Tensor2D;
}
