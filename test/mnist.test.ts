import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Random } from '../lib/util/random.js';
import {
  DataFileError,
  defaultMnistDir,
  epochBatches,
  loadMnist,
  MNIST_FILES,
  PIXELS,
  readIdx,
} from '../lib/data/mnist.js';

test('loads 60,000 training and 10,000 test digits with pixels in [0, 1] and labels 0-9', () => {
  const { train, test: testSplit } = loadMnist();
  assert.equal(train.count, 60000);
  assert.equal(testSplit.count, 10000);
  assert.equal(train.images.length, 60000 * PIXELS);
  assert.equal(testSplit.labels.length, 10000);
  let min = Infinity;
  let max = -Infinity;
  for (const v of train.images) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  const counts = new Array(10).fill(0);
  for (const l of train.labels) counts[l]++;
  // The published class counts of the MNIST training set.
  assert.deepEqual(counts, [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.equal(train.labels[0], 5, 'the first training digit is a 5');
  assert.equal(testSplit.labels[0], 7, 'the first test digit is a 7');
});

function corruptedCopy(edit: (bytes: Buffer) => Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-'));
  for (const spec of Object.values(MNIST_FILES))
    fs.copyFileSync(path.join(defaultMnistDir(), spec.file), path.join(dir, spec.file));
  const target = path.join(dir, MNIST_FILES.testLabels.file);
  fs.writeFileSync(target, edit(fs.readFileSync(target)));
  return dir;
}

test('a truncated file is an error naming the file', () => {
  const dir = corruptedCopy((b) => b.subarray(0, b.length - 10));
  assert.throws(
    () => loadMnist({ dir }),
    (e: unknown) =>
      e instanceof DataFileError && e.message.includes('t10k-labels-idx1-ubyte') && /truncated/.test(e.message),
  );
});

test('an altered byte fails the checksum, naming the file', () => {
  const dir = corruptedCopy((b) => {
    const copy = Buffer.from(b);
    copy[100] = (copy[100] + 1) % 10;
    return copy;
  });
  assert.throws(
    () => loadMnist({ dir }),
    (e: unknown) => e instanceof DataFileError && e.message.includes('t10k-labels-idx1-ubyte') && /MD5/.test(e.message),
  );
});

test('a wrong magic number and a missing file are named', () => {
  const magic = corruptedCopy((b) => {
    const copy = Buffer.from(b);
    copy.writeUInt32BE(2051, 0);
    return copy;
  });
  assert.throws(
    () => readIdx(path.join(magic, MNIST_FILES.testLabels.file), MNIST_FILES.testLabels),
    /magic number 2051 is not 2049/,
  );
  assert.throws(
    () => readIdx('/nonexistent/t10k-labels-idx1-ubyte', MNIST_FILES.testLabels),
    /nonexistent\/t10k-labels-idx1-ubyte: missing/,
  );
});

test('epoch batches are a seeded permutation cut into full batches', () => {
  const a = epochBatches(1000, 128, new Random(7));
  const b = epochBatches(1000, 128, new Random(7));
  const c = epochBatches(1000, 128, new Random(8));
  assert.equal(a.length, 7);
  assert.deepEqual(
    a.map((x) => Array.from(x)),
    b.map((x) => Array.from(x)),
  );
  assert.notDeepEqual(Array.from(a[0]), Array.from(c[0]));
  const seen = new Set(a.flatMap((x) => Array.from(x)));
  assert.equal(seen.size, 7 * 128, 'no index repeats within an epoch');
});
