import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { initBackend } from '../lib/backend/backend.js';
import { defaultMnistDir, loadMnist, PIXELS, takeFirst } from '../lib/data/mnist.js';
import { nearestNeighbourAccuracy, nearestNeighbours } from '../lib/eval/knn.js';
import { findPython } from '../bench/python.js';

const TRAIN = 3000;
const TEST = 500;

function embeddings(split: { images: Float32Array; count: number }) {
  return { values: split.images, count: split.count, dim: PIXELS };
}

test('1NN on the backend finds the same neighbours as an exhaustive float64 search, directly and through the projection', async () => {
  await initBackend();
  const mnist = loadMnist();
  const train = takeFirst(mnist.train, TRAIN);
  const testSplit = takeFirst(mnist.test, 200);
  const search = (projectionAxes: number) =>
    nearestNeighbourAccuracy(embeddings(train), train.labels, embeddings(testSplit), testSplit.labels, {
      batchSize: 64,
      projectionAxes,
    });
  const result = search(0);
  // Few axes leave a loose bound, so many references reach the exact stage: the pruning is put to work.
  for (const axes of [8, 128]) assert.deepEqual(search(axes).neighbours, result.neighbours, `${axes} axes`);
  for (let i = 0; i < testSplit.count; i++) {
    let best = -1;
    let bestDistance = Infinity;
    for (let j = 0; j < train.count; j++) {
      let d = 0;
      for (let k = 0; k < PIXELS; k++) {
        const diff = testSplit.images[i * PIXELS + k] - train.images[j * PIXELS + k];
        d += diff * diff;
      }
      if (d < bestDistance) {
        bestDistance = d;
        best = j;
      }
    }
    assert.equal(result.neighbours[i], best, `query ${i}`);
  }
});

test("1NN predictions equal scikit-learn's KNeighborsClassifier(n_neighbors=1), sample for sample", async () => {
  await initBackend();
  const python = findPython('sklearn');
  assert.ok(python, 'scikit-learn is needed for this comparison: npm run setup installs python3-sklearn');
  const mnist = loadMnist();
  const train = takeFirst(mnist.train, TRAIN);
  const testSplit = takeFirst(mnist.test, TEST);
  const ours = nearestNeighbourAccuracy(embeddings(train), train.labels, embeddings(testSplit), testSplit.labels);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'knn-')), 'predictions.bin');
  const peer = spawnSync(
    python,
    [
      'bench/peers/knn_sklearn.py',
      defaultMnistDir(),
      '--train',
      String(TRAIN),
      '--test',
      String(TEST),
      '--predictions',
      file,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(peer.status, 0, peer.stderr);
  const theirs = new Uint8Array(fs.readFileSync(file));
  assert.deepEqual(Array.from(ours.predictions), Array.from(theirs));
  assert.equal(ours.accuracy, JSON.parse(peer.stdout.trim().split('\n').pop()!).accuracy);
});

test('k nearest neighbours, with and without the point itself, equal an exhaustive float64 search, ties included', async () => {
  await initBackend();
  // Points on a coarse integer grid, some repeated, so that many distances tie exactly; large coordinates, so
  // that float32 cannot tell some different distances apart either.
  const dim = 12;
  const count = 300;
  const values = new Float32Array(count * dim);
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < count; i++) {
    const copy = i >= 20 && next() < 0.1 ? Math.floor(next() * i) : -1;
    for (let d = 0; d < dim; d++)
      values[i * dim + d] = copy >= 0 ? values[copy * dim + d] : 4096 + Math.floor(next() * 4);
  }
  const points = { values, count, dim };
  for (const [excludeSelf, projectionAxes] of [
    [false, 0],
    [true, 0],
    [false, 3],
    [true, 3],
  ] as const) {
    // The projection serves few neighbours only: k 20 takes the top-k route whatever the option.
    for (const k of [1, 3, 20]) {
      const got = nearestNeighbours(points, points, k, { excludeSelf, batchSize: 37, projectionAxes });
      for (let i = 0; i < count; i++) {
        const all = Array.from({ length: count }, (_, j) => j)
          .filter((j) => !(excludeSelf && j === i))
          .map((j) => {
            let d = 0;
            for (let c = 0; c < dim; c++) d += (values[i * dim + c] - values[j * dim + c]) ** 2;
            return { j, d };
          })
          .sort((a, b) => a.d - b.d || a.j - b.j);
        assert.deepEqual(
          Array.from(got.indices.subarray(i * k, (i + 1) * k)),
          all.slice(0, k).map((e) => e.j),
          `query ${i}, k ${k}, excludeSelf ${excludeSelf}, ${projectionAxes} axes`,
        );
        assert.deepEqual(
          Array.from(got.distances.subarray(i * k, (i + 1) * k)),
          all.slice(0, k).map((e) => e.d),
        );
      }
    }
  }
});
