import * as tf from '@tensorflow/tfjs';
import type { NamedLosses } from './adversarial.js';

/** BigBiGAN's three discriminator scores for a batch of pairs, each [B, 1]. */
export interface Scores {
  x: tf.Tensor;
  z: tf.Tensor;
  xz: tf.Tensor;
}

/** Which unary scores join the joint score s_xz in the losses. */
export const UNARIES = ['both', 'x', 'z', 'none'] as const;
export type Unaries = (typeof UNARIES)[number];

const hinge = (t: tf.Tensor): tf.Scalar => tf.relu(tf.scalar(1).sub(t)).mean() as tf.Scalar;

/**
 * The scores the losses use: the joint score s_xz and the unaries named; without an encoder, s_x alone (G and F
 * are then a GAN, and the unaries setting has nothing to join).
 */
export function scoresInUse(unaries: Unaries, encoder = true): (keyof Scores)[] {
  if (!encoder) return ['x'];
  return [
    'xz',
    ...(unaries === 'both' || unaries === 'x' ? ['x' as const] : []),
    ...(unaries === 'both' || unaries === 'z' ? ['z' as const] : []),
  ];
}

/**
 * D's loss: the hinge h(t) = max(0, 1 - t) of every score in `scores`, with y = +1 for encoder pairs (x, E(x)) and
 * y = -1 for generator pairs (G(z), z): sum over scores of E[h(s(x, E(x)))] + E[h(-s(G(z), z))].
 */
export function bigbiganDiscriminatorLoss(
  encoder: Scores,
  generator: Scores,
  scores: readonly (keyof Scores)[],
): NamedLosses {
  const parts: Record<string, tf.Scalar> = {};
  for (const key of scores) parts[`s_${key}`] = hinge(encoder[key]).add(hinge(generator[key].neg())) as tf.Scalar;
  return { total: tf.addN(Object.values(parts)) as tf.Scalar, ...parts };
}

/**
 * E's and G's loss: the same scores with the same signs, without the hinge: E[s(x, E(x))] - E[s(G(z), z)] summed
 * over `scores`. E lowers its pairs' scores, G raises its own.
 */
export function bigbiganEncoderGeneratorLoss(
  encoder: Scores,
  generator: Scores,
  scores: readonly (keyof Scores)[],
): NamedLosses {
  const encoderPart = tf.addN(scores.map((k) => encoder[k].mean())) as tf.Scalar;
  const generatorPart = tf.addN(scores.map((k) => generator[k].mean().neg())) as tf.Scalar;
  return { total: encoderPart.add(generatorPart) as tf.Scalar, encoder: encoderPart, generator: generatorPart };
}
