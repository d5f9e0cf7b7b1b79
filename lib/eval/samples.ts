import * as tf from '@tensorflow/tfjs';
import { type MnistSplit, NUM_CLASSES, PIXELS } from '../data/mnist.js';
import type { AdversarialModel } from '../training/adversarial-model.js';

function rowsOf(values: Float32Array, count: number): Float32Array[] {
  return Array.from({ length: count }, (_, i) => values.subarray(i * PIXELS, (i + 1) * PIXELS));
}

/** `count` samples G(z) from a fixed seed, so grids of successive checkpoints show the same z. */
export function generateSamples(model: AdversarialModel, count: number, seed = 1234): Float32Array[] {
  const images = tf.tidy(() => model.generate(model.samplePrior(count, seed)));
  const values = images.dataSync() as Float32Array;
  images.dispose();
  return rowsOf(values, count);
}

/** The first `perDigit` test examples of each digit, in digit order: indices into the split. */
export function examplesPerDigit(split: MnistSplit, perDigit: number): number[] {
  const picked: number[][] = Array.from({ length: NUM_CLASSES }, () => []);
  for (let i = 0; i < split.count && picked.some((p) => p.length < perDigit); i++) {
    const bucket = picked[split.labels[i]];
    if (bucket.length < perDigit) bucket.push(i);
  }
  return picked.flat();
}

/** x and G(E(x)) for the given examples, in inference mode. */
export function reconstruct(model: AdversarialModel, split: MnistSplit, indices: number[]): { originals: Float32Array[]; reconstructions: Float32Array[] } {
  const x = new Float32Array(indices.length * PIXELS);
  indices.forEach((j, i) => x.set(split.images.subarray(j * PIXELS, (j + 1) * PIXELS), i * PIXELS));
  const out = tf.tidy(() => model.generate(model.encode(tf.tensor2d(x, [indices.length, PIXELS]))));
  const values = out.dataSync() as Float32Array;
  out.dispose();
  return { originals: rowsOf(x, indices.length), reconstructions: rowsOf(values, indices.length) };
}
