import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../util/paths.js';
import {
  DataFileError,
  gather,
  type Mnist,
  type MnistSplit,
  takeFirst,
  VALIDATION_START,
  validationSplit,
} from './mnist.js';

/**
 * The official BiGAN code's validation digits: 10,000 indices into MNIST's training file, drawn by its load.py
 * (a shuffle by NumPy's RandomState(42)), written by scripts/official-split.py.
 */
export function officialSplitFile(): string {
  return path.join(projectRoot(), 'data', 'splits', 'bigan-official-mnist.json');
}

const TRAIN_FILE_COUNT = 60000;
const VALIDATION_COUNT = 10000;

/** The validation indices, ascending, checked against the file's own SHA-256 and for range and repeats. */
export function officialValidationIndices(file: string = officialSplitFile()): Int32Array {
  let body: { trainFileCount?: unknown; validation?: unknown; sha256?: unknown; source?: unknown };
  try {
    body = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new DataFileError(file, `cannot be read as JSON (${(error as Error).message}); restore it from git`);
  }
  const { sha256, ...content } = body;
  const digest = createHash('sha256').update(JSON.stringify(content)).digest('hex');
  if (sha256 !== digest) throw new DataFileError(file, 'its content does not match its sha256; restore it from git');
  const indices = body.validation;
  if (!Array.isArray(indices) || indices.length !== VALIDATION_COUNT)
    throw new DataFileError(file, `must list ${VALIDATION_COUNT} validation indices`);
  const out = Int32Array.from(indices as number[]);
  out.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v >= TRAIN_FILE_COUNT || (i > 0 && v <= out[i - 1]))
      throw new DataFileError(file, `validation index ${i} (${indices[i]}) is out of range or out of order`);
  });
  return out;
}

/** A split's two parts: the digits a run trains on and the ones it holds out for model selection. */
export interface HeldOutSplits {
  train: MnistSplit;
  validation: MnistSplit;
  /** Where the split comes from, for tables and logs. */
  description: string;
}

/** The official run's 50,000 training digits: every index of the training file not held out, ascending. */
export function officialTrainIndices(validation: Int32Array = officialValidationIndices()): Int32Array {
  const held = new Uint8Array(TRAIN_FILE_COUNT);
  validation.forEach((i) => (held[i] = 1));
  const train = Int32Array.from({ length: TRAIN_FILE_COUNT - VALIDATION_COUNT });
  let next = 0;
  for (let i = 0; i < TRAIN_FILE_COUNT; i++) if (!held[i]) train[next++] = i;
  return train;
}

/** The official BiGAN split of MNIST's training file: 50,000 to train on, 10,000 held out. */
export function officialBiganSplits(mnist: Mnist): HeldOutSplits {
  const validation = officialValidationIndices();
  return {
    train: gather(mnist.train, officialTrainIndices(validation)),
    validation: gather(mnist.train, validation),
    description: 'official BiGAN split: 50,000 training digits -> its 10,000 validation digits',
  };
}

/** This project's split for runs trained on the first 50,000: the last 10,000 of the training file held out. */
export function lastTenThousandSplits(mnist: Mnist): HeldOutSplits {
  return {
    train: takeFirst(mnist.train, VALIDATION_START),
    validation: validationSplit(mnist),
    description: 'first 50,000 training digits -> the last 10,000',
  };
}
