import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { initBackend } from '../lib/backend/backend.js';
import { knnClassifierAccuracy } from '../lib/eval/knn.js';
import { affinities, conditionalProbabilities, tsne } from '../lib/tsne/tsne.js';
import { ForcePool } from '../lib/tsne/tsne-pool.js';
import { QuadTree } from '../lib/tsne/quadtree.js';
import { MAX_RUN } from '../lib/tsne/repulsion-kernel.js';
import { Random } from '../lib/util/random.js';

/** `clusters` Gaussian blobs of `perCluster` points in `dim` dimensions, centres 20 apart, unit spread. */
function blobs(clusters: number, perCluster: number, dim: number, seed = 1) {
  const random = new Random(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  const count = clusters * perCluster;
  const values = new Float32Array(count * dim);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = Math.floor(i / perCluster);
    for (let d = 0; d < dim; d++) values[i * dim + d] = (d === labels[i] ? 20 : 0) + gaussian();
  }
  return { data: { values, count, dim }, labels };
}

test('each row of P_j|i sums to 1 and has the requested perplexity', () => {
  const random = new Random(3);
  const n = 50;
  const k = 20;
  const distances = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (let j = 0; j < k; j++) distances[i * k + j] = d += random.next() * 3;
  }
  for (const perplexity of [5, 10]) {
    const p = conditionalProbabilities(distances, n, k, perplexity);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      let entropy = 0;
      for (let j = 0; j < k; j++) {
        const v = p[i * k + j];
        sum += v;
        if (v > 0) entropy -= v * Math.log(v);
      }
      assert.ok(Math.abs(sum - 1) < 1e-12, `row ${i} sums to ${sum}`);
      assert.ok(
        Math.abs(Math.exp(entropy) - perplexity) < 1e-3 * perplexity,
        `row ${i} perplexity ${Math.exp(entropy)}`,
      );
    }
  }
});

test('the symmetric P sums to 1 and is symmetric', async () => {
  await initBackend();
  const { data } = blobs(3, 20, 5);
  const p = affinities(data, 10);
  let total = 0;
  const entries = new Map<string, number>();
  for (let i = 0; i < p.n; i++) {
    for (let e = p.rowStart[i]; e < p.rowStart[i + 1]; e++) {
      total += p.values[e];
      entries.set(`${i},${p.columns[e]}`, p.values[e]);
    }
  }
  assert.ok(Math.abs(total - 1) < 1e-12);
  for (const [key, value] of entries) {
    const [i, j] = key.split(',');
    assert.ok(Math.abs((entries.get(`${j},${i}`) ?? 0) - value) < 1e-15, `P[${key}] is symmetric`);
  }
});

test('with theta 0 the Barnes-Hut gradient equals the exact gradient within 1e-3 relative, and KL the exact KL', async () => {
  await initBackend();
  const { data } = blobs(3, 15, 4, 2);
  const p = affinities(data, 8);
  const n = p.n;
  const random = new Random(9);
  const y = Float64Array.from({ length: 2 * n }, () => random.next() * 10);
  const exaggeration = 2;
  // Exact: dKL/dy_i = 4 sum_j (p_ij - q_ij) w_ij (y_i - y_j), with w = 1 / (1 + d^2) and q = w / sum w.
  const dense = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let e = p.rowStart[i]; e < p.rowStart[i + 1]; e++) dense[i * n + p.columns[e]] = p.values[e] * exaggeration;
  let z = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      if (i !== j) z += 1 / (1 + (y[2 * i] - y[2 * j]) ** 2 + (y[2 * i + 1] - y[2 * j + 1]) ** 2);
  const exact = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const dx = y[2 * i] - y[2 * j];
      const dy = y[2 * i + 1] - y[2 * j + 1];
      const w = 1 / (1 + dx * dx + dy * dy);
      const f = 4 * (dense[i * n + j] - w / z) * w;
      exact[2 * i] += f * dx;
      exact[2 * i + 1] += f * dy;
    }
  }
  // KL(P || Q) = sum over i != j of p_ij log(p_ij / q_ij), without exaggeration.
  let exactKl = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const pij = dense[i * n + j] / exaggeration;
      if (i === j || pij === 0) continue;
      const w = 1 / (1 + (y[2 * i] - y[2 * j]) ** 2 + (y[2 * i + 1] - y[2 * j + 1]) ** 2);
      exactKl += pij * Math.log(pij / (w / z));
    }
  }
  for (const threads of [1, 2]) {
    const pool = new ForcePool(p, threads);
    pool.positions.set(y);
    const approx = new Float64Array(2 * n);
    pool.gradient(0, exaggeration, false, approx);
    const kl = pool.gradient(0, 1, true, new Float64Array(2 * n));
    pool.close();
    assert.ok(Math.abs(kl - exactKl) < 1e-4 * exactKl, `${threads} thread(s): KL ${kl}, exact ${exactKl}`);
    const norm = Math.sqrt(exact.reduce((s, v) => s + v * v, 0));
    const error = Math.sqrt(approx.reduce((s, v, d) => s + (v - exact[d]) ** 2, 0));
    assert.ok(error / norm < 1e-3, `${threads} thread(s): relative error ${error / norm}`);
  }
});

test('well-separated clusters stay apart in the map, and the same seed gives the same map', async () => {
  await initBackend();
  const { data, labels } = blobs(4, 40, 10, 5);
  const options = { perplexity: 15, iterations: 400, init: 'random' as const, seed: 7, threads: 2 };
  const first = tsne(data, options);
  const second = tsne(data, options);
  assert.deepEqual(Array.from(first.embedding), Array.from(second.embedding), 'same seed, same map');
  assert.throws(() => tsne(data, { ...options, theta: 0.8 }), /theta must be between 0 and 0.707, got 0.8/);
  assert.ok(Number.isFinite(first.kl) && first.kl > 0);
  const map = Float32Array.from(first.embedding);
  // The points sorted by cluster, so even-numbered points train a 1NN classifier that the odd ones test.
  const pick = (parity: number) => Array.from({ length: data.count / 2 }, (_, k) => 2 * k + parity);
  const part = (indices: number[]) => ({
    values: Float32Array.from(indices.flatMap((i) => [map[2 * i], map[2 * i + 1]])),
    count: indices.length,
    dim: 2,
  });
  const accuracy = knnClassifierAccuracy(
    part(pick(0)),
    pick(0).map((i) => labels[i]),
    part(pick(1)),
    pick(1).map((i) => labels[i]),
    1,
  );
  assert.equal(accuracy, 1);
  // Every point is nearer its own cluster's centre than any other cluster's.
  const centres = Array.from({ length: 4 }, (_, c) => {
    let x = 0;
    let y = 0;
    for (let i = c * 40; i < (c + 1) * 40; i++) {
      x += map[2 * i];
      y += map[2 * i + 1];
    }
    return [x / 40, y / 40];
  });
  for (let i = 0; i < data.count; i++) {
    const d = centres.map(([cx, cy]) => (map[2 * i] - cx) ** 2 + (map[2 * i + 1] - cy) ** 2);
    assert.equal(d.indexOf(Math.min(...d)), labels[i], `point ${i}`);
  }
});

/** Relative errors of the grouped Barnes-Hut repulsion (force, and Z = the sum of all q) against the exact sums. */
function repulsionErrors(y: Float64Array, theta: number): { force: number; z: number } {
  const n = y.length / 2;
  const tree = new QuadTree();
  tree.build(y, n);
  const approx = new Float64Array(2 * n);
  let z = 0;
  for (let r = 0; r < n; r += MAX_RUN) z += tree.runRepulsion(r, Math.min(n, r + MAX_RUN), theta, approx);
  let exactZ = 0;
  let error = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    let fx = 0;
    let fy = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const dx = y[2 * i] - y[2 * j];
      const dy = y[2 * i + 1] - y[2 * j + 1];
      const q = 1 / (1 + dx * dx + dy * dy);
      exactZ += q;
      fx += q * q * dx;
      fy += q * q * dy;
    }
    error += (approx[2 * i] - fx) ** 2 + (approx[2 * i + 1] - fy) ** 2;
    norm += fx * fx + fy * fy;
  }
  return { force: Math.sqrt(error / norm), z: Math.abs(z - exactZ) / exactZ };
}

test('the grouped Barnes-Hut repulsion is exact at theta 0, within 1% at 0.5, and closer at 0.25', () => {
  const random = new Random(4);
  const n = 3000;
  // Clumps of very different sizes at different scales, as a t-SNE map has, plus coincident points.
  const y = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const clump = i % 7;
    const spread = 0.01 * 4 ** (clump % 4);
    y[2 * i] = clump * 9 + spread * (random.next() - 0.5);
    y[2 * i + 1] = (clump % 3) * 13 + spread * (random.next() - 0.5);
  }
  y.copyWithin(0, 2 * (n - 50), 2 * (n - 40));
  const exact = repulsionErrors(y, 0);
  assert.ok(exact.force < 1e-5 && exact.z < 1e-5, `theta 0: ${JSON.stringify(exact)}`);
  const coarse = repulsionErrors(y, 0.5);
  assert.ok(coarse.force < 1e-2 && coarse.z < 1e-2, `theta 0.5: ${JSON.stringify(coarse)}`);
  const fine = repulsionErrors(y, 0.25);
  assert.ok(fine.force < coarse.force / 2, `theta 0.25: ${JSON.stringify(fine)}`);
});

test('each committed .wasm is the compilation of its .wat source', () => {
  // Exits 1, naming the file, when the committed binary and its source differ.
  execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { stdio: 'pipe' });
});
