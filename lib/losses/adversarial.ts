import * as tf from '@tensorflow/tfjs';

/**
 * Mean binary cross-entropy of logits against a constant target: -log sigmoid(t) = softplus(-t) for target 1,
 * -log(1 - sigmoid(t)) = softplus(t) for target 0. Softplus is computed stably by every backend (TensorFlow's
 * kernel, and tfjs' thresholded one), so large logits neither overflow nor lose precision, in three ops.
 * @param logits [B, 1] or [B]
 */
export function sigmoidCrossEntropy(logits: tf.Tensor, target: 0 | 1): tf.Scalar {
  return tf.tidy(() => tf.softplus(target === 1 ? logits.neg() : logits).mean() as tf.Scalar);
}

/** Losses of one phase: `total` is what the optimizer minimises, the rest are its named parts for logging. */
export type NamedLosses = { total: tf.Scalar } & Record<string, tf.Scalar>;

/**
 * BiGAN's discriminator loss: D should call encoder pairs (x, E(x)) real and generator pairs (G(z), z) fake.
 * @param encoderLogits D(x, E(x)), [B, 1]
 * @param generatorLogits D(G(z), z), [B, 1]
 */
export function biganDiscriminatorLoss(encoderLogits: tf.Tensor, generatorLogits: tf.Tensor): NamedLosses {
  const real = sigmoidCrossEntropy(encoderLogits, 1);
  const fake = sigmoidCrossEntropy(generatorLogits, 0);
  return { total: real.add(fake) as tf.Scalar, discriminatorEncoder: real, discriminatorGenerator: fake };
}

/**
 * The encoder's and generator's loss with the labels swapped (the non-saturating form used by the BiGAN
 * reference code): E wants D to call (x, E(x)) fake, G wants D to call (G(z), z) real.
 */
export function biganEncoderGeneratorLoss(encoderLogits: tf.Tensor, generatorLogits: tf.Tensor): NamedLosses {
  const encoder = sigmoidCrossEntropy(encoderLogits, 0);
  const generator = sigmoidCrossEntropy(generatorLogits, 1);
  return { total: encoder.add(generator) as tf.Scalar, encoder, generator };
}
