import * as tf from '@tensorflow/tfjs';

/**
 * The largest absolute difference between corresponding weights of two lists of networks built alike (same
 * layers, same order), over every weight or only the learned ones (`learned`: batch norm's running averages left
 * out, which no optimizer updates). Networks that are not built alike are an error naming the first mismatch.
 */
export function largestWeightDifference(
  a: tf.LayersModel[],
  b: tf.LayersModel[],
  which: 'all' | 'learned' = 'all',
): number {
  if (a.length !== b.length) throw new Error(`${a.length} networks against ${b.length}`);
  let largest = 0;
  a.forEach((network, n) => {
    const pick = (m: tf.LayersModel) => (which === 'learned' ? m.trainableWeights : m.weights);
    const [left, right] = [pick(network), pick(b[n])];
    if (left.length !== right.length)
      throw new Error(`${network.name}: ${left.length} weights against ${right.length} in ${b[n].name}`);
    left.forEach((w, i) => {
      if (String(w.shape) !== String(right[i].shape))
        throw new Error(
          `${network.name}: ${w.originalName} is [${w.shape}], ${right[i].originalName} [${right[i].shape}]`,
        );
      const difference = tf.tidy(() => w.read().sub(right[i].read()).abs().max().dataSync()[0]);
      largest = Math.max(largest, difference);
    });
  });
  return largest;
}

/** How many numbers an optimizer updates in a network: its trainable weights' sizes, summed. */
export function learnedParameters(network: tf.LayersModel): number {
  return network.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}
