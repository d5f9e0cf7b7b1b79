import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  type Adam,
  buildBigan,
  createAdam,
  createModel,
  createOptimizersFor,
  initBackend,
  loadMnist,
  makeBatch,
  makeConfig,
  trainableVariables,
  trainStep,
} from '../lib/index.js';

type Players<T> = Record<'encoder' | 'generator' | 'discriminator', T>;
type HandStep = (n: Players<tf.LayersModel>, adam: Players<Adam>, x: tf.Tensor, z: tf.Tensor) => void;

/**
 * Notebook 01's cells tagged `hand-step` (its loss function and its training step), as a module exporting
 * `handStep`: the code a reader sees, not a copy of it.
 */
async function notebookHandStep(): Promise<HandStep> {
  const notebook = JSON.parse(fs.readFileSync('notebooks/01-bigan-mnist.ipynb', 'utf8')) as {
    cells: { cell_type: string; metadata: { tags?: string[] }; source: string[] }[];
  };
  const cells = notebook.cells.filter((c) => c.cell_type === 'code' && c.metadata.tags?.includes('hand-step'));
  assert.equal(cells.length, 2, 'notebook 01 should tag its loss cell and its step cell `hand-step`');
  const api = pathToFileURL(path.resolve('lib/index.ts')).href;
  const source = cells.map((c) => c.source.join('').replaceAll("'./lib/index.js'", `'${api}'`)).join('\n\n');
  const cache = path.resolve('node_modules/.cache');
  fs.mkdirSync(cache, { recursive: true });
  const dir = fs.mkdtempSync(path.join(cache, 'hand-step-'));
  const file = path.join(dir, 'hand-step.ts');
  fs.writeFileSync(file, `import * as tf from '@tensorflow/tfjs';\n${source}\nexport { handStep };\n`);
  return ((await import(pathToFileURL(file).href)) as { handStep: HandStep }).handStep;
}

/** The largest |a - b| over two networks' weights, split by whether the weight is a bias that batch norm follows. */
function differences(a: tf.LayersModel, b: tf.LayersModel): { beforeNorm: number; others: number } {
  const normalised = new Set(a.layers.filter((l) => l.getConfig().batchNorm).map((l) => l.name));
  const out = { beforeNorm: 0, others: 0 };
  a.weights.forEach((w, i) => {
    const d = tf.tidy(() => w.read().sub(b.weights[i].read()).abs().max().dataSync()[0]);
    const [layer, name] = w.originalName.split('/');
    const key = normalised.has(layer) && (name === 'bias' || name === 'moving_mean') ? 'beforeNorm' : 'others';
    out[key] = Math.max(out[key], d);
  });
  return out;
}

test("notebook 01's hand-written step lands on the library step's weights, from the same start and batch", async () => {
  await initBackend();
  const handStep = await notebookHandStep();
  const config = makeConfig('quick');
  const library = createModel(config);
  const libraryAdam = createOptimizersFor(library, config);
  const nets = buildBigan(config.architecture, config.seed);
  const { learningRate, beta1, beta2, weightDecay } = config;
  const settings = { learningRate, beta1, beta2, weightDecay };
  // One Adam per network, as the notebook's optimizer cell makes them.
  const optimizersFor = (n: Players<tf.LayersModel>): Players<Adam> => ({
    encoder: createAdam(trainableVariables(n.encoder), settings),
    generator: createAdam(trainableVariables(n.generator), settings),
    discriminator: createAdam(trainableVariables(n.discriminator), settings),
  });
  const adam = optimizersFor(nets);
  const batch = makeBatch(
    loadMnist().train,
    Array.from({ length: config.batchSize }, (_, i) => i),
  );
  const latents = library.samplePrior(config.batchSize, 7);
  const steps = 2;
  let tensors = 0;
  for (let s = 0; s < steps; s++) {
    trainStep(library, libraryAdam, { images: batch.images, labels: batch.labels, latents, seed: 0 });
    handStep(nets, adam, batch.images, latents);
    // The first step creates the optimizers' state; after it, a step leaves no tensor behind.
    if (s === 0) tensors = tf.memory().numTensors;
  }
  assert.equal(tf.memory().numTensors, tensors, 'a step after the first leaks tensors');
  for (const name of ['encoder', 'generator', 'discriminator'] as const) {
    const d = differences(library.networks[name], nets[name]);
    // Float32 rounding: the library stacks D's two batches into one product, the hand step runs two.
    assert.ok(d.others < 1e-5, `${name}: weights differ by ${d.others}`);
    // A bias that batch norm follows has a zero gradient in exact arithmetic: Adam divides its rounding noise by
    // its own size, so it moves by up to a learning rate a step either way, as does the running mean it feeds.
    assert.ok(d.beforeNorm <= 2 * learningRate * steps, `${name}: biases before batch norm differ by ${d.beforeNorm}`);
  }
  // The tolerance is far below what one step changes: the same comparison tells one hand step from the library's two.
  const wrong = buildBigan(config.architecture, config.seed);
  handStep(wrong, optimizersFor(wrong), batch.images, latents);
  assert.ok(differences(library.networks.discriminator, wrong.discriminator).others > 1e-4);
  tf.dispose([batch.images, batch.labels, latents]);
});
