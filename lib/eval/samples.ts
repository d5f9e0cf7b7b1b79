import * as tf from '@tensorflow/tfjs';
import { type MnistSplit, NUM_CLASSES, PIXELS } from '../data/mnist.js';
import type { AdversarialModel } from '../models/adversarial-model.js';

function rowsOf(values: Float32Array, count: number): Float32Array[] {
  return Array.from({ length: count }, (_, i) => values.subarray(i * PIXELS, (i + 1) * PIXELS));
}

/** `count` samples G(z) from a fixed seed, so grids of successive checkpoints show the same z. */
export function generateSamples(model: AdversarialModel, count: number, seed = 1234): Float32Array[] {
  // A conditional G gets the digits in turn, 0-9, 0-9, ...
  const labels = model.conditional
    ? tf.tensor1d(
        Int32Array.from({ length: count }, (_, i) => i % NUM_CLASSES),
        'int32',
      )
    : undefined;
  const images = tf.tidy(() => model.generate(model.samplePrior(count, seed), labels));
  labels?.dispose();
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
export function reconstruct(
  model: AdversarialModel,
  split: MnistSplit,
  indices: number[],
): { originals: Float32Array[]; reconstructions: Float32Array[] } {
  const x = new Float32Array(indices.length * PIXELS);
  indices.forEach((j, i) => x.set(split.images.subarray(j * PIXELS, (j + 1) * PIXELS), i * PIXELS));
  // A conditional G reconstructs with the true label: G(E(x), c).
  const out = tf.tidy(() =>
    model.generate(
      model.latentOf(model.encode(tf.tensor2d(x, [indices.length, PIXELS]))),
      model.conditional
        ? tf.tensor1d(
            indices.map((j) => split.labels[j]),
            'int32',
          )
        : undefined,
    ),
  );
  const values = out.dataSync() as Float32Array;
  out.dispose();
  return { originals: rowsOf(x, indices.length), reconstructions: rowsOf(values, indices.length) };
}

/**
 * Conditional samples G(z, c), one row per digit. `sharedLatents`: column j uses the same z for every digit, so a
 * column shows one style across the ten classes; otherwise every cell draws its own z.
 */
export function conditionalSamples(
  model: AdversarialModel,
  columns: number,
  sharedLatents: boolean,
  seed = 1234,
): Float32Array[][] {
  if (!model.conditional) throw new Error(`${model.kind} is not conditional`);
  const count = NUM_CLASSES * columns;
  const labels = Int32Array.from({ length: count }, (_, i) => Math.floor(i / columns));
  const images = tf.tidy(() => {
    const latents = sharedLatents
      ? (tf.tile(model.samplePrior(columns, seed), [NUM_CLASSES, 1]) as tf.Tensor2D)
      : model.samplePrior(count, seed);
    return model.generate(latents, tf.tensor1d(labels, 'int32'));
  });
  const values = images.dataSync() as Float32Array;
  images.dispose();
  const all = rowsOf(values, count);
  return Array.from({ length: NUM_CLASSES }, (_, d) => all.slice(d * columns, (d + 1) * columns));
}
