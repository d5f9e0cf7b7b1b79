import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend/backend.js';
import type { TrainingConfig } from '../config/training-config.js';
import { upgradeConfig, validateConfig } from '../config/training-config.js';
import { loadMnist, takeFirst } from '../data/mnist.js';
import { type EvaluationSplitName, evaluationSplit } from '../eval/evaluation-split.js';
import { embed } from '../eval/representation.js';
import { nearestNeighbourAccuracy } from '../eval/knn.js';
import type { AdversarialModel } from '../models/adversarial-model.js';
import { createModel } from '../training/registry.js';
import { hasHeldOutSplit } from '../training/training-data.js';
import { libraryWeightName, toStockLayers } from '../models/stock-layers.js';
import { loadRunModel } from '../training/run-model.js';
import { writeFileAtomic, writeFolderAtomic } from '../util/atomic.js';
import { readJsonFile } from '../util/json-file.js';
import { projectFolder } from '../util/paths.js';

/** The networks shipped: what samples, reconstructions, 1NN and t-SNE need (D stays behind). */
const NETWORKS = ['encoder', 'generator'] as const;

/** How many digits the 1NN check the manifest records labels: the first N of its split's queries. */
const CHECK_QUERIES = 2000;

/**
 * The float16 check: 1NN on E(x) measured with the weights shipped, which `loadPretrained`'s users (and the test)
 * can repeat. A run that held digits out is checked on them, so that a model chosen on its validation split is
 * not scored on test digits a second time; a run that trained on all 60,000 is checked on the test digits.
 */
export interface PretrainedCheck {
  knnLatent: number;
  split: EvaluationSplitName;
  /** The first `queries` digits of the split's queries are labelled. */
  queries: number;
}

export interface PretrainedManifest {
  format: 'bigan-pretrained';
  /**
   * 1: E and G saved with this project's layers (DenseBlock, BatchNorm), loadable only with them. 2: saved as stock
   * TensorFlow.js layers ({@link toStockLayers}), loadable by any TensorFlow.js with `tf.loadLayersModel`.
   */
  version: 1 | 2;
  name: string;
  config: TrainingConfig;
  /** Epochs the run had trained at the checkpoint exported. */
  epoch: number;
  sourceRun: string;
  /** The run's own metrics at that checkpoint (float32 weights), as the caller measured them. */
  metrics: Record<string, number>;
  check: PretrainedCheck;
  /** SHA-256 of every file of the folder but this manifest, by path relative to it. */
  files: Record<string, string>;
  exportedAt: string;
}

export interface Pretrained {
  manifest: PretrainedManifest;
  /** The model with E and G loaded; D is left at its initialisation. */
  model: AdversarialModel;
}

/** data/pretrained/<name> (or under $BIGAN_PRETRAINED_DIR). */
export function pretrainedFolder(name: string): string {
  if (!/^[\w.-]+$/.test(name))
    throw new Error(`pretrained name '${name}' may only hold letters, digits, '.', '_' and '-'`);
  return path.join(projectFolder('BIGAN_PRETRAINED_DIR', 'data', 'pretrained'), name);
}

/** IEEE half-precision bits of x, rounded to nearest, ties to even (as numpy's astype(float16)). */
export function toFloat16Bits(x: number): number {
  const f32 = new Float32Array([x]);
  const bits = new Uint32Array(f32.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mantissa | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let result = m >>> shift;
    if (rest > half || (rest === half && result & 1)) result++;
    return sign | result;
  }
  let result = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && result & 1)) result++;
  return sign | result;
}

/** A network's layers-format artifacts, rebuilt from stock layers, with its weights as float16. */
async function stockArtifacts(network: tf.LayersModel): Promise<{ json: object; weights: Uint8Array }> {
  const stock = toStockLayers(network);
  try {
    return await float16Artifacts(stock);
  } finally {
    stock.dispose();
  }
}

/** A network's layers-format artifacts with its weights as float16. */
async function float16Artifacts(net: tf.LayersModel): Promise<{ json: object; weights: Uint8Array }> {
  let captured: tf.io.ModelArtifacts | null = null;
  await net.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const artifacts = captured! as tf.io.ModelArtifacts;
  const values = new Float32Array(artifacts.weightData as ArrayBuffer);
  const half = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) half[i] = toFloat16Bits(values[i]);
  const specs = artifacts.weightSpecs!.map((spec) => ({
    ...spec,
    quantization: { dtype: 'float16' as const, original_dtype: 'float32' as const },
  }));
  return {
    json: {
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
      convertedBy: 'bigan-notebooks (float16 weights)',
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    },
    weights: new Uint8Array(half.buffer),
  };
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** 1NN accuracy of E(x) (E's mean) of a model of `config` on the check's split: its reference -> its first queries. */
export function knnCheck(
  model: AdversarialModel,
  config: TrainingConfig,
  check: Pick<PretrainedCheck, 'split' | 'queries'>,
): number {
  const { reference, queries } = evaluationSplit(config, loadMnist(), check.split);
  const labelled = takeFirst(queries, check.queries);
  return nearestNeighbourAccuracy(
    embed(model, reference, 'latent'),
    reference.labels,
    embed(model, labelled, 'latent'),
    labelled.labels,
  ).accuracy;
}

/** A manifest written before checks named their split was checked on the first `testCount` test digits. */
function readCheck(check: Partial<PretrainedCheck> & { testCount?: number }): PretrainedCheck {
  return {
    knnLatent: check.knnLatent ?? Number.NaN,
    split: check.split ?? 'test',
    queries: check.queries ?? check.testCount ?? CHECK_QUERIES,
  };
}

/**
 * Writes E and G of run `runDir` (its newest checkpoint, or the end of `epoch`) to data/pretrained/<name>/ as
 * stock layers-format models with float16 weights and a manifest; the folder is replaced atomically. `metrics` are
 * the run's numbers at that checkpoint, recorded beside the float16 check.
 */
export async function exportPretrained(
  runDir: string,
  name: string,
  options: { epoch?: number; metrics?: Record<string, number> } = {},
): Promise<PretrainedManifest> {
  const { run, model, epoch } = await loadRunModel(runDir, { epoch: options.epoch });
  try {
    return await writePretrained(name, model, {
      config: run.config,
      epoch,
      sourceRun: path.basename(run.dir),
      metrics: options.metrics ?? {},
    });
  } finally {
    model.dispose();
  }
}

/**
 * Rewrites a shipped model in the current format (stock layers, manifest version 2) from its own files: its
 * config, epoch, source run and metrics are kept, its float16 weights carried over exactly, its check measured
 * again on what is written.
 */
export async function repackPretrained(name: string): Promise<PretrainedManifest> {
  const { manifest, model } = await loadPretrained(name);
  try {
    const { config, epoch, sourceRun, metrics } = manifest;
    return await writePretrained(name, model, { config, epoch, sourceRun, metrics });
  } finally {
    model.dispose();
  }
}

async function writePretrained(
  name: string,
  model: AdversarialModel,
  about: Pick<PretrainedManifest, 'config' | 'epoch' | 'sourceRun' | 'metrics'>,
): Promise<PretrainedManifest> {
  const dir = pretrainedFolder(name);
  const parts = await Promise.all(NETWORKS.map((n) => stockArtifacts(model.networks[n])));
  let manifest: PretrainedManifest | null = null;
  writeFolderAtomic(
    dir,
    (tmp) => {
      NETWORKS.forEach((n, i) => {
        fs.mkdirSync(path.join(tmp, n));
        writeFileAtomic(path.join(tmp, n, 'model.json'), JSON.stringify(parts[i].json));
        writeFileAtomic(path.join(tmp, n, 'weights.bin'), parts[i].weights);
      });
      const files = Object.fromEntries(
        NETWORKS.flatMap((n) => ['model.json', 'weights.bin'].map((f) => `${n}/${f}`)).map((f) => [
          f,
          sha256(path.join(tmp, f)),
        ]),
      );
      manifest = {
        format: 'bigan-pretrained',
        version: 2,
        name,
        ...about,
        check: {
          knnLatent: Number.NaN,
          split: hasHeldOutSplit(about.config) ? 'validation' : 'test',
          queries: CHECK_QUERIES,
        },
        files,
        exportedAt: new Date().toISOString(),
      };
      writeFileAtomic(path.join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2));
    },
    { replace: true },
  );
  // The check is measured on what was written, float16 and all, then recorded.
  const shipped = await loadPretrained(name);
  try {
    manifest!.check.knnLatent = knnCheck(shipped.model, about.config, manifest!.check);
  } finally {
    shipped.model.dispose();
  }
  writeFileAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest!;
}

/**
 * The pretrained model `name` from data/pretrained/: every file is checked against the manifest's SHA-256 before
 * anything loads, and every weight by name and shape against the networks the manifest's config builds.
 */
export async function loadPretrained(name: string): Promise<Pretrained> {
  // The best backend first: a model built before it would run on tfjs' plain JavaScript kernels.
  await initBackend();
  const dir = pretrainedFolder(name);
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile))
    throw new Error(
      `${manifestFile}: missing; the pretrained models shipped are ${listPretrained().join(', ') || 'none'}`,
    );
  const manifest = readJsonFile(manifestFile, null) as PretrainedManifest;
  if (
    manifest?.format !== 'bigan-pretrained' ||
    ![1, 2].includes(manifest.version) ||
    typeof manifest.files !== 'object'
  )
    throw new Error(`${manifestFile}: not a bigan-pretrained version 1 or 2 manifest`);
  manifest.check = readCheck(manifest.check ?? {});
  for (const [file, digest] of Object.entries(manifest.files)) {
    const full = path.join(dir, file);
    if (!fs.existsSync(full)) throw new Error(`${full}: missing (listed in ${manifestFile})`);
    if (sha256(full) !== digest) throw new Error(`${full}: corrupt, its SHA-256 differs from ${manifestFile}'s`);
  }
  const config = validateConfig(upgradeConfig(manifest.config));
  manifest.config = config;
  const model = createModel(config);
  try {
    for (const network of NETWORKS) {
      const json = JSON.parse(fs.readFileSync(path.join(dir, network, 'model.json'), 'utf8'));
      const bytes = fs.readFileSync(path.join(dir, network, 'weights.bin'));
      const specs = json.weightsManifest[0].weights as tf.io.WeightsManifestEntry[];
      const decoded = tf.io.decodeWeights(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
        specs,
      );
      const weights = Object.fromEntries(Object.entries(decoded).map(([k, v]) => [libraryWeightName(k), v]));
      const file = path.join(dir, network, 'weights.bin');
      // A block whose batch norm learns no gain or shift keeps them as fixed weights; a stock model has none.
      const fixed = (w: tf.LayerVariable) => !w.trainable && /\/(gamma|beta)$/.test(w.originalName);
      const targets = model.networks[network].weights.filter((w) => !(fixed(w) && !weights[w.originalName]));
      for (const w of targets) {
        const value = weights[w.originalName];
        if (!value) throw new Error(`${file}: has no weight ${w.originalName}; it was written for another model`);
        if (!tf.util.arraysEqual(value.shape, w.shape as number[]))
          throw new Error(`${file}: weight ${w.originalName} has shape [${value.shape}], the model needs [${w.shape}]`);
      }
      for (const w of targets) w.write(weights[w.originalName]);
      tf.dispose(Object.values(decoded));
    }
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { manifest, model };
}

/**
 * Refuses a run config that a pretrained model's E and G cannot start: another model kind or architecture,
 * naming each field that differs.
 */
export function checkPretrainedFits(pretrained: Pretrained, config: TrainingConfig): void {
  const source = validateConfig(upgradeConfig(pretrained.manifest.config));
  const differences: string[] = [];
  if (source.model !== config.model) differences.push(`model ${config.model} (pretrained: ${source.model})`);
  for (const [field, value] of Object.entries(config.architecture)) {
    const theirs = (source.architecture as unknown as Record<string, unknown>)[field];
    if (JSON.stringify(theirs) !== JSON.stringify(value))
      differences.push(`architecture.${field} ${JSON.stringify(value)} (pretrained: ${JSON.stringify(theirs)})`);
  }
  if (differences.length > 0)
    throw new Error(
      `pretrained '${pretrained.manifest.name}' cannot start this run, whose config differs: ${differences.join('; ')}`,
    );
}

/**
 * Copies a pretrained model's E and G into `model`, a new run's built from `config`: the starting point of a
 * fine-tuning run (D starts from its initialisation).
 */
export function copyPretrainedInto(pretrained: Pretrained, model: AdversarialModel, config: TrainingConfig): void {
  checkPretrainedFits(pretrained, config);
  for (const network of NETWORKS) {
    const from = pretrained.model.networks[network].weights;
    const to = model.networks[network].weights;
    if (from.length !== to.length)
      throw new Error(
        `pretrained '${pretrained.manifest.name}': ${network} has ${from.length} weights, the run's ${to.length}`,
      );
    to.forEach((w, i) => {
      if (!from[i] || !tf.util.arraysEqual(from[i].shape as number[], w.shape as number[]))
        throw new Error(`pretrained '${pretrained.manifest.name}': ${network} weight ${i} does not fit ${w.name}`);
      // A fresh buffer: the run's optimizers update their weights in place.
      const value = from[i].read();
      const copy = tf.tensor(value.dataSync(), value.shape, value.dtype);
      w.write(copy);
      copy.dispose();
    });
  }
}

/** Names of the pretrained models in data/pretrained/. */
export function listPretrained(): string[] {
  const root = projectFolder('BIGAN_PRETRAINED_DIR', 'data', 'pretrained');
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .filter((n) => fs.existsSync(path.join(root, n, 'manifest.json')))
    .sort();
}
