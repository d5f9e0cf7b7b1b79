import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { initBackend } from '../backend/backend.js';
import { loadMnist, PIXELS, takeFirst } from '../data/mnist.js';
import { nearestNeighbours } from '../eval/knn.js';
import { embed } from '../eval/representation.js';
import { listPretrained, loadPretrained, pretrainedFolder } from '../experiments/pretrained.js';
import { testSetMap } from '../tsne/latent-map.js';
import { writeFileAtomic, writeFolderAtomic } from '../util/atomic.js';
import { packageFolder, projectRoot } from '../util/paths.js';
import { CLASS_COLOURS } from './figure.js';

/** Digits a row of the sprite sheet holds. */
const SPRITE_COLUMNS = 100;
/** Nearest neighbours in the code space shown for a digit. */
const NEIGHBOURS = 8;

/** What the page knows of one model: its map, its neighbours, how its E's output becomes G's input. */
interface ExplorerModel {
  name: string;
  kind: string;
  conditional: boolean;
  epoch: number;
  /** 1NN on E(x) as the manifest records it (the run's, else the float16 check), and the map's 2-D 5NN. */
  knnLatent: number | null;
  knn5: number;
  /** `identity`, `squash` (2 sigmoid(l) - 1) or `first` (a stochastic E's mean, its first output). */
  latent: 'identity' | 'squash' | 'first';
  latentSize: number;
  points: number[];
  neighbours: number[];
}

export interface ExplorerOptions {
  /** Shipped models to show (data/pretrained/NAME); all of them by default. */
  pretrained?: string[];
  /** Test digits on the map (the first n). */
  n?: number;
  out: string;
  progress?: (line: string) => void;
}

/** The first `n` test digits as one grey-scale PNG sheet, SPRITE_COLUMNS to a row, white digits on black. */
function spriteSheet(images: Float32Array, n: number): Buffer {
  const rows = Math.ceil(n / SPRITE_COLUMNS);
  const width = SPRITE_COLUMNS * 28;
  // pngjs takes RGBA in and writes grey-scale out.
  const png = new PNG({ width, height: rows * 28, colorType: 0, bitDepth: 8 });
  for (let i = 0; i < n; i++) {
    const [r, c] = [Math.floor(i / SPRITE_COLUMNS), i % SPRITE_COLUMNS];
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++) {
        const at = ((r * 28 + y) * width + c * 28 + x) * 4;
        png.data.fill(Math.round(images[i * PIXELS + y * 28 + x] * 255), at, at + 3);
        png.data[at + 3] = 255;
      }
  }
  return PNG.sync.write(png, { colorType: 0 });
}

const round = (values: ArrayLike<number>, digits = 2) =>
  Array.from(values, (v) => Math.round(v * 10 ** digits) / 10 ** digits);

/**
 * A script that hands `value` to the page under `window.EXPLORER[key]` (a file:// page cannot fetch JSON); `<` is
 * escaped so that no string can end the script element.
 */
const globalScript = (key: string, value: unknown) =>
  `(window.EXPLORER = window.EXPLORER || {})[${JSON.stringify(key)}] = ${JSON.stringify(value).replace(/</g, '\\u003c')};\n`;

/** A shipped network as tf.io.fromMemory takes it, weights base64-encoded. */
function networkArtifacts(name: string, network: 'encoder' | 'generator') {
  const dir = path.join(pretrainedFolder(name), network);
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  return {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights,
    weightData: fs.readFileSync(path.join(dir, 'weights.bin')).toString('base64'),
  };
}

/**
 * Writes the latent-space explorer to `out`: a folder whose index.html holds everything inline (the page's script,
 * TensorFlow.js for the browser, each shipped E and G in the stock layers format, the t-SNE maps, code-space
 * neighbours and the digits as a sprite sheet), so that it works from file://, any static server and a notebook's
 * iframe, offline. E and G run in the page.
 */
export async function exportExplorer(options: ExplorerOptions): Promise<{ out: string; bytes: number }> {
  // The best backend before the first tensor: the maps would otherwise run on tfjs' plain JavaScript kernels.
  await initBackend();
  const names = options.pretrained ?? listPretrained();
  const n = options.n ?? 10000;
  const log = options.progress ?? (() => {});
  const test = takeFirst(loadMnist().test, n);
  const models: ExplorerModel[] = [];
  log(`t-SNE of ${n} test digits' pixels`);
  const pixels = testSetMap(null, test, n);
  for (const name of names) {
    const { model, manifest } = await loadPretrained(name);
    try {
      log(`t-SNE of ${name}'s E(x)`);
      const map = testSetMap(model, test, n);
      const codes = embed(model, test, 'latent');
      const { indices } = nearestNeighbours(codes, codes, NEIGHBOURS, { excludeSelf: true });
      const { architecture } = manifest.config;
      models.push({
        name,
        kind: manifest.config.model,
        conditional: model.conditional,
        epoch: manifest.epoch,
        knnLatent: manifest.metrics.knnLatent ?? manifest.check.knnLatent ?? null,
        knn5: map.knn5,
        latent:
          manifest.config.model === 'bigbigan'
            ? 'first'
            : architecture.encoderOutput === 'squash'
              ? 'squash'
              : 'identity',
        latentSize: architecture.latentSize,
        points: round(map.points),
        neighbours: Array.from(indices),
      });
    } finally {
      model.dispose();
    }
  }
  const pageDir = path.join(projectRoot(), 'lib', 'plots', 'explorer-page');
  const sprite = `data:image/png;base64,${spriteSheet(test.images, n).toString('base64')}`;
  // One file with every script inline: it opens from file://, from any static server, and inside a notebook's
  // iframe, whose sandboxed page could not fetch files beside it (Jupyter's /files/ route wants the login cookie).
  const scripts = [
    fs.readFileSync(path.join(packageFolder('@tensorflow/tfjs'), 'dist', 'tf.min.js'), 'utf8'),
    globalScript('data', {
      count: n,
      colours: CLASS_COLOURS,
      spriteColumns: SPRITE_COLUMNS,
      labels: Array.from(test.labels),
      pixels: { points: round(pixels.points), knn5: pixels.knn5 },
      models,
    }) + globalScript('sprite', sprite),
    ...names.map((name) =>
      globalScript(`model:${name}`, {
        encoder: networkArtifacts(name, 'encoder'),
        generator: networkArtifacts(name, 'generator'),
      }),
    ),
    fs.readFileSync(path.join(pageDir, 'explorer.js'), 'utf8'),
  ];
  for (const script of scripts)
    if (/<\/script|<!--/i.test(script)) throw new Error('an explorer script holds text that would end its <script>');
  const template = fs.readFileSync(path.join(pageDir, 'index.html'), 'utf8');
  if (!template.includes('<!-- scripts -->')) throw new Error(`${pageDir}/index.html has no <!-- scripts --> marker`);
  const html = template.replace('<!-- scripts -->', () => scripts.map((s) => `<script>${s}</script>`).join('\n'));
  const bytes = Buffer.byteLength(html);
  writeFolderAtomic(options.out, (tmp) => writeFileAtomic(path.join(tmp, 'index.html'), html), { replace: true });
  return { out: options.out, bytes };
}
