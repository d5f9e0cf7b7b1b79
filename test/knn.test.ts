import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { initBackend } from '../lib/backend/backend.js';
import { defaultMnistDir, loadMnist, PIXELS, takeFirst } from '../lib/data/mnist.js';
import { nearestNeighbourAccuracy } from '../lib/eval/knn.js';
import { findPython } from '../bench/python.js';

const TRAIN = 3000;
const TEST = 500;

function embeddings(split: { images: Float32Array; count: number }) {
  return { values: split.images, count: split.count, dim: PIXELS };
}

test('1NN on the backend finds the same neighbours as an exhaustive float64 search', async () => {
  await initBackend();
  const mnist = loadMnist();
  const train = takeFirst(mnist.train, TRAIN);
  const testSplit = takeFirst(mnist.test, 200);
  const result = nearestNeighbourAccuracy(embeddings(train), train.labels, embeddings(testSplit), testSplit.labels, {
    batchSize: 64,
  });
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
