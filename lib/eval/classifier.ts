import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend/backend.js';
import {
  IMAGE_SIZE,
  imagesTensor,
  loadMnist,
  NUM_CLASSES,
  oneHotLabels,
  PIXELS,
  type MnistSplit,
} from '../data/mnist.js';
import { writeFileAtomic, writeFolderAtomic } from '../util/atomic.js';
import { projectFolder } from '../util/paths.js';
import type { AdversarialModel } from '../models/adversarial-model.js';
import { Random } from '../util/random.js';
import { percent } from '../util/format.js';

/**
 * The MNIST classifier this project scores generators with: the class-control measure of the conditional BiGANs
 * and the Inception-style score and Frechet distance of BigBiGAN's ablations, both on its 10 logits (TF-GAN's
 * MNIST convention). A small convnet: two 3x3 conv pairs with max pooling, a 128-unit dense layer, 10 logits.
 * Trained once (about two minutes on two cores) and kept in data/classifier/, so every run scores alike.
 */
export function buildClassifier(seed = 0): tf.LayersModel {
  const init = (i: number) => tf.initializers.heNormal({ seed: seed * 100 + i });
  const x = tf.input({ shape: [PIXELS], name: 'classifier_x' });
  let h = tf.layers.reshape({ targetShape: [IMAGE_SIZE, IMAGE_SIZE, 1] }).apply(x) as tf.SymbolicTensor;
  [32, 32, 'pool', 64, 64, 'pool'].forEach((spec, i) => {
    h = (
      spec === 'pool'
        ? tf.layers.maxPooling2d({ poolSize: 2 })
        : tf.layers.conv2d({
            filters: spec as number,
            kernelSize: 3,
            padding: 'same',
            activation: 'relu',
            kernelInitializer: init(i),
          })
    ).apply(h) as tf.SymbolicTensor;
  });
  h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(10) }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dropout({ rate: 0.3, seed }).apply(h) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: NUM_CLASSES, kernelInitializer: init(11) }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: logits, name: 'mnist_classifier' });
}

/** data/classifier/ in the project, or $BIGAN_CLASSIFIER_DIR (tests use a copy). */
export function classifierDir(): string {
  return projectFolder('BIGAN_CLASSIFIER_DIR', 'data', 'classifier');
}

const CLASSIFIER_FILES = ['model.json', 'weights.bin'];
const SUMS_FILE = 'SHA256SUMS';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Checks the classifier's files against the SHA-256 sums saved beside them (`sha256sum -c` reads the same file):
 * a damaged classifier would make every IS, FID and class-control figure silently wrong.
 */
function verifiedClassifierFiles(dir: string): Record<string, Buffer> {
  const retrain = 'restore data/classifier/ with git, or train a new classifier with `npx bigan classifier --train`';
  const sumsFile = path.join(dir, SUMS_FILE);
  for (const name of [...CLASSIFIER_FILES, SUMS_FILE]) {
    if (!fs.existsSync(path.join(dir, name))) throw new Error(`${path.join(dir, name)}: missing; ${retrain}`);
  }
  const sums = new Map(
    fs
      .readFileSync(sumsFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+\*?/).reverse() as [string, string]),
  );
  const files: Record<string, Buffer> = {};
  for (const name of CLASSIFIER_FILES) {
    const file = path.join(dir, name);
    files[name] = fs.readFileSync(file);
    const digest = sha256(files[name]);
    if (sums.get(name) !== digest) {
      throw new Error(`${file}: corrupt (SHA-256 ${digest.slice(0, 12)}... is not the ${sumsFile} sum); ${retrain}`);
    }
  }
  return files;
}

/** Logits [N, 10] of images [N * 784], in batches. */
export function classifierLogits(
  classifier: tf.LayersModel,
  images: Float32Array,
  count: number,
  batchSize = 1000,
): Float32Array {
  return predictInBatches(classifier, images, count, NUM_CLASSES, batchSize);
}

/**
 * The classifier's penultimate layer, its 128 ReLU units [N, 128], in batches: FID on these features as well as
 * on the logits (a richer space than ten numbers, as Inception's pool features are for ImageNet).
 */
export function classifierFeatures(
  classifier: tf.LayersModel,
  images: Float32Array,
  count: number,
  batchSize = 1000,
): Float32Array {
  const dense = classifier.layers.filter((l) => l.getClassName() === 'Dense');
  const penultimate = dense[dense.length - 2];
  const features = tf.model({ inputs: classifier.inputs, outputs: penultimate.output as tf.SymbolicTensor });
  return predictInBatches(features, images, count, (penultimate.outputShape as number[])[1], batchSize);
}

/** `model`'s `width` outputs for each of `count` images [N * 784], `batchSize` images at a time. */
function predictInBatches(
  model: tf.LayersModel,
  images: Float32Array,
  count: number,
  width: number,
  batchSize: number,
): Float32Array {
  const out = new Float32Array(count * width);
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(start + batchSize, count);
    const batch = tf.tidy(
      () =>
        model.predict(tf.tensor2d(images.subarray(start * PIXELS, end * PIXELS), [end - start, PIXELS])) as tf.Tensor,
    );
    out.set(batch.dataSync() as Float32Array, start * width);
    batch.dispose();
  }
  return out;
}

/** The classifier's digit for each of `count` images [N * 784]. */
export function classify(classifier: tf.LayersModel, images: Float32Array, count: number): Uint8Array {
  return argmaxRows(classifierLogits(classifier, images, count), count);
}

function argmaxRows(logits: Float32Array, count: number): Uint8Array {
  const predictions = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let k = 1; k < NUM_CLASSES; k++) if (logits[i * NUM_CLASSES + k] > logits[i * NUM_CLASSES + best]) best = k;
    predictions[i] = best;
  }
  return predictions;
}

export function classifierAccuracy(classifier: tf.LayersModel, split: MnistSplit): number {
  const predictions = classify(classifier, split.images, split.count);
  let correct = 0;
  for (let i = 0; i < split.count; i++) if (predictions[i] === split.labels[i]) correct++;
  return correct / split.count;
}

/** Trains the classifier on the 60,000 training digits; returns it with its test accuracy. */
export async function trainClassifier(
  options: { epochs?: number; seed?: number; log?: (line: string) => void } = {},
): Promise<{ classifier: tf.LayersModel; testAccuracy: number }> {
  const { epochs = 4, seed = 0, log = console.log } = options;
  await initBackend();
  const mnist = loadMnist();
  const classifier = buildClassifier(seed);
  classifier.compile({
    optimizer: tf.train.adam(1e-3),
    loss: (y: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, p),
    metrics: [],
  });
  const x = imagesTensor(mnist.train);
  const y = oneHotLabels(mnist.train.labels);
  const random = new Random(`classifier:${seed}`);
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = tf.tensor1d(random.permutation(mnist.train.count), 'int32');
      const [xs, ys] = [x.gather(order), y.gather(order)];
      const history = await classifier.fit(xs, ys, { batchSize: 128, epochs: 1, shuffle: false, verbose: 0 });
      tf.dispose([order, xs, ys]);
      log(
        `classifier epoch ${epoch + 1}/${epochs}: loss ${Number(history.history.loss[0]).toFixed(4)}, test accuracy ${percent(classifierAccuracy(classifier, mnist.test))}`,
      );
    }
  } finally {
    tf.dispose([x, y]);
  }
  return { classifier, testAccuracy: classifierAccuracy(classifier, mnist.test) };
}

/** Saves to data/classifier/, replacing the folder atomically (model.json and weights.bin change together). */
export async function saveClassifier(classifier: tf.LayersModel, dir = classifierDir()): Promise<void> {
  let saved: tf.io.ModelArtifacts | null = null;
  await classifier.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const { weightData, weightSpecs, ...topology } = saved as unknown as tf.io.ModelArtifacts;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  writeFolderAtomic(
    dir,
    (tmp) => {
      const bytes: Record<string, Uint8Array> = {
        'weights.bin': new Uint8Array(weightData as ArrayBuffer),
        'model.json': Buffer.from(
          JSON.stringify({ ...topology, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }] }),
        ),
      };
      for (const [name, data] of Object.entries(bytes)) writeFileAtomic(path.join(tmp, name), data);
      const sums = CLASSIFIER_FILES.map((name) => `${sha256(bytes[name])}  ${name}\n`).join('');
      writeFileAtomic(path.join(tmp, SUMS_FILE), sums);
    },
    { replace: true },
  );
}

/** Loaded classifiers by folder: loading verifies and parses 1.3 MB, once per process is enough. */
const cached = new Map<string, tf.LayersModel>();

/**
 * The project's classifier, loaded from data/classifier/ and checked against its SHA-256 sums. A missing or
 * damaged one is an error, not a silent retrain: scores are only comparable when every run is scored alike.
 */
export async function loadClassifier(dir = classifierDir()): Promise<tf.LayersModel> {
  const known = cached.get(dir);
  if (known) return known;
  await initBackend();
  const files = verifiedClassifierFiles(dir);
  const json = JSON.parse(files['model.json'].toString('utf8'));
  const weights = files['weights.bin'];
  const classifier = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
  cached.set(dir, classifier);
  return classifier;
}

/**
 * Class control of a conditional generator: the fraction of G(z, c) that the classifier labels c, over
 * `perClass` samples of each digit drawn from a fixed seed. Also returns the per-digit fractions.
 */
export async function classControl(
  model: AdversarialModel,
  perClass = 100,
  seed = 4321,
): Promise<{ overall: number; perDigit: number[] }> {
  if (!model.conditional) throw new Error(`${model.kind} is not conditional: class control needs G(z, c)`);
  const classifier = await loadClassifier();
  const count = perClass * NUM_CLASSES;
  const labels = Int32Array.from({ length: count }, (_, i) => Math.floor(i / perClass));
  const images = tf.tidy(() => model.generate(model.samplePrior(count, seed), tf.tensor1d(labels, 'int32')));
  const predictions = argmaxRows(classifierLogits(classifier, images.dataSync() as Float32Array, count), count);
  images.dispose();
  const hits = new Array(NUM_CLASSES).fill(0);
  for (let i = 0; i < count; i++) if (predictions[i] === labels[i]) hits[labels[i]]++;
  return { overall: hits.reduce((a, b) => a + b, 0) / count, perDigit: hits.map((h) => h / perClass) };
}
