import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type seedrandom from 'seedrandom';
import type { AdversarialModel, ModuleName, StepOptimizers } from '../models/adversarial-model.js';
import type { WeightAverage } from '../optim/weight-average.js';
import { DiskFullError, writeFileAtomic, writeFolderAtomic } from '../util/atomic.js';
import type { EpochRecord } from './run-folder.js';

const FORMAT = 'bigan-checkpoint';
/** Version 2 adds the epoch records and a checksum of the manifest itself; version 1 checkpoints still load. */
const VERSION = 2;

/** What a checkpoint restores besides the weights: where the run was, its random state and its history. */
export interface TrainingPosition {
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps taken. */
  step: number;
  random: seedrandom.State.Arc4;
  /**
   * The records of the epochs completed, so that history.json can be lost or damaged without loss; null when
   * read from a version 1 checkpoint, which predates them.
   */
  history: EpochRecord[] | null;
  /**
   * Set when the checkpoint was written inside an epoch (a stop requested by a scheduler): the random state at
   * that epoch's start, from which its batch order is drawn again, the steps of it already taken, and what they
   * summed to, so that the resumed epoch ends exactly as an uninterrupted one.
   */
  partialEpoch?: PartialEpoch;
}

export interface PartialEpoch {
  startRandom: seedrandom.State.Arc4;
  stepsDone: number;
  lossSums: Record<string, number>;
  seconds: number;
}

interface TensorEntry {
  name: string;
  shape: number[];
  offset: number;
}

interface Manifest extends TrainingPosition {
  format: string;
  version: number;
  model: string;
  tensors: TensorEntry[];
  /** SHA-256 of tensors.bin. */
  sha256: string;
  /** SHA-256 of this manifest's JSON without this field: an edited offset or random state is caught. */
  manifestSha256?: string;
}

function manifestDigest(manifest: Manifest): string {
  const { manifestSha256: _, ...rest } = manifest;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

/** A checkpoint that cannot be used: the message names the file and what is wrong. */
export class CheckpointError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'CheckpointError';
  }
}

const MODULES: ModuleName[] = ['discriminator', 'encoder', 'generator'];

/**
 * Every tensor a checkpoint holds, by stable name: network weights (running statistics included), Adam state, and
 * the weight average when the run keeps one.
 */
function namedTensors(
  model: AdversarialModel,
  optimizers: StepOptimizers,
  average: WeightAverage | null,
): { entries: [string, tf.Tensor][]; owned: tf.Tensor[] } {
  const entries: [string, tf.Tensor][] = [];
  for (const [network, net] of Object.entries(model.networks)) {
    for (const w of net.weights) entries.push([`${network}/${w.originalName}`, w.read()]);
  }
  const owned: tf.Tensor[] = [];
  for (const module of MODULES) {
    const state = optimizers[module].getState();
    state.firstMoments.forEach((m, i) => entries.push([`optimizer/${module}/m/${i}`, m]));
    state.secondMoments.forEach((v, i) => entries.push([`optimizer/${module}/v/${i}`, v]));
    entries.push([`optimizer/${module}/step`, tf.scalar(state.step)]);
    owned.push(...state.firstMoments, ...state.secondMoments, entries[entries.length - 1][1]);
  }
  if (average) {
    const { averages, updates } = average.state();
    for (const { name, value } of averages) entries.push([`average/${name}`, value]);
    entries.push(['average/updates', tf.scalar(updates)]);
    owned.push(entries[entries.length - 1][1]);
  }
  return { entries, owned };
}

/** Writes `dir` (which must not exist) atomically: manifest.json and tensors.bin appear together or not at all. */
export function saveCheckpoint(
  dir: string,
  model: AdversarialModel,
  optimizers: StepOptimizers,
  position: TrainingPosition,
  average: WeightAverage | null = null,
): void {
  const { entries, owned } = namedTensors(model, optimizers, average);
  try {
    const total = entries.reduce((n, [, t]) => n + t.size, 0);
    const data = new Float32Array(total);
    const tensors: TensorEntry[] = [];
    let offset = 0;
    for (const [name, t] of entries) {
      data.set(t.dataSync() as Float32Array, offset);
      tensors.push({ name, shape: t.shape, offset });
      offset += t.size;
    }
    const bytes = new Uint8Array(data.buffer);
    const manifest: Manifest = {
      format: FORMAT,
      version: VERSION,
      model: model.kind,
      ...position,
      tensors,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
    manifest.manifestSha256 = manifestDigest(manifest);
    const manifestText = JSON.stringify(manifest);
    try {
      writeFolderAtomic(dir, (tmp) => {
        writeFileAtomic(path.join(tmp, 'tensors.bin'), bytes);
        writeFileAtomic(path.join(tmp, 'manifest.json'), manifestText);
      });
    } catch (error) {
      // The whole checkpoint is what must fit, not the file that happened to overflow.
      if (error instanceof DiskFullError)
        throw new DiskFullError(dir, bytes.length + Buffer.byteLength(manifestText), error);
      throw error;
    }
  } finally {
    tf.dispose(owned);
  }
}

function readManifest(dir: string): Manifest {
  const file = path.join(dir, 'manifest.json');
  if (!fs.existsSync(file)) throw new CheckpointError(file, 'missing: not a checkpoint folder');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CheckpointError(file, `corrupt JSON (${(error as Error).message})`);
  }
  if (manifest.format !== FORMAT || (manifest.version !== 1 && manifest.version !== VERSION)) {
    throw new CheckpointError(
      file,
      `format ${manifest.format} v${manifest.version} is not ${FORMAT} v1 or v${VERSION}`,
    );
  }
  if (manifest.version === VERSION && manifest.manifestSha256 !== manifestDigest(manifest)) {
    throw new CheckpointError(file, 'corrupt: its content does not match its own SHA-256 (it was edited or damaged)');
  }
  return manifest;
}

/** The epoch records a checkpoint holds (none for a version 1 checkpoint, which predates them). */
export function checkpointHistory(dir: string): EpochRecord[] | null {
  const manifest = readManifest(dir);
  return manifest.version === 1 ? null : manifest.history;
}

/**
 * Restores weights, optimizer state and the weight average (when the run keeps one) into freshly built `model`,
 * `optimizers` and `average`. Everything is checked before anything is assigned, so a bad checkpoint leaves the
 * model untouched: the model kind, every tensor's name and shape, the file's length and its SHA-256.
 */
export function loadCheckpoint(
  dir: string,
  model: AdversarialModel,
  optimizers: StepOptimizers,
  average: WeightAverage | null = null,
): TrainingPosition {
  const manifest = readManifest(dir);
  const file = path.join(dir, 'tensors.bin');
  if (manifest.model !== model.kind)
    throw new CheckpointError(path.join(dir, 'manifest.json'), `holds a ${manifest.model} model, not ${model.kind}`);
  if (!fs.existsSync(file)) throw new CheckpointError(file, 'missing');
  const bytes = fs.readFileSync(file);
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== manifest.sha256)
    throw new CheckpointError(
      file,
      `corrupt: SHA-256 ${digest.slice(0, 12)}... does not match the manifest's ${manifest.sha256.slice(0, 12)}...`,
    );
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const saved = new Map(manifest.tensors.map((t) => [t.name, t]));

  const { entries, owned } = namedTensors(model, optimizers, average);
  tf.dispose(owned);
  const expected = entries.map(([name, t]) => ({ name, shape: t.shape }));
  for (const { name, shape } of expected) {
    const entry = saved.get(name);
    if (!entry && name.startsWith('average/'))
      throw new CheckpointError(file, 'has no weight average: it was written by a run without one (emaDecay 0)');
    if (!entry)
      throw new CheckpointError(file, `has no tensor ${name}: it was written by a model of another architecture`);
    if (!tf.util.arraysEqual(entry.shape, shape))
      throw new CheckpointError(file, `tensor ${name} has shape [${entry.shape}], this model needs [${shape}]`);
    if (entry.offset + tf.util.sizeFromShape(shape) > data.length)
      throw new CheckpointError(file, `truncated: tensor ${name} runs past the end`);
  }
  if (saved.size !== expected.length)
    throw new CheckpointError(
      file,
      `has ${saved.size} tensors, this model has ${expected.length}: another architecture`,
    );

  const read = (name: string) => {
    const e = saved.get(name)!;
    return tf.tensor(data.subarray(e.offset, e.offset + tf.util.sizeFromShape(e.shape)), e.shape);
  };
  for (const [network, net] of Object.entries(model.networks)) {
    for (const w of net.weights) {
      const value = read(`${network}/${w.originalName}`);
      w.write(value);
      value.dispose();
    }
  }
  for (const module of MODULES) {
    const count = optimizers[module].variables.length;
    const firstMoments = Array.from({ length: count }, (_, i) => read(`optimizer/${module}/m/${i}`));
    const secondMoments = Array.from({ length: count }, (_, i) => read(`optimizer/${module}/v/${i}`));
    const step = data[saved.get(`optimizer/${module}/step`)!.offset];
    optimizers[module].setState({ step, firstMoments, secondMoments });
    tf.dispose([...firstMoments, ...secondMoments]);
  }
  average?.restore((name) => read(`average/${name}`), data[saved.get('average/updates')!.offset]);
  return {
    epoch: manifest.epoch,
    step: manifest.step,
    random: manifest.random,
    history: manifest.version === 1 ? null : manifest.history,
    ...(manifest.partialEpoch && { partialEpoch: manifest.partialEpoch }),
  };
}
