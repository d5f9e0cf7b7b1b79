import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { initBackend } from '../lib/backend/backend.js';
import { makeConfig, mergeConfig } from '../lib/config/training-config.js';
import { loadMnist } from '../lib/data/mnist.js';
import { evaluationSplit } from '../lib/eval/evaluation-split.js';
import { evaluateProtocol } from '../lib/experiments/official-protocol.js';
import { silentProgress } from '../lib/training/progress.js';
import { train } from '../lib/training/train.js';

/** The official preset at test size: 512 of its 50,000 digits, 32 hidden units, a constant rate, every epoch kept. */
const tinyOfficial = (seed: number) =>
  mergeConfig(makeConfig('official'), {
    architecture: { hiddenUnits: 32 },
    batchSize: 32,
    trainLimit: 512,
    epochs: 4,
    schedule: { kind: 'constant' },
    checkpointEvery: 1,
    keepCheckpoints: 1,
    keepEvery: 1,
    batchNormEstimate: 4,
    seed,
  });

test('official protocol: both splits at every kept epoch, mean and interval over seeds, chosen on validation', async () => {
  await initBackend();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'protocol-'));
  const runs = [1, 2].map((seed) => path.join(root, `official-s${seed}`));
  for (const [i, dir] of runs.entries()) {
    // --until: the first two of the schedule's four epochs, resumable.
    const result = await train({ runDir: dir, config: tinyOfficial(i + 1), untilEpoch: 2, progress: silentProgress });
    assert.equal(result.stopped, true);
    assert.equal(result.history.length, 2);
    result.model.dispose();
  }
  const mnist = loadMnist();
  const validation = evaluationSplit(tinyOfficial(1), mnist, 'validation');
  assert.equal(validation.reference.count, 512, "the validation protocol searches the run's own training digits");
  assert.equal(validation.queries.count, 10000);

  const lines: string[] = [];
  const results = await evaluateProtocol(runs, [1, 2, 3], mnist, null, (l) => lines.push(l));
  assert.equal(results.evaluations.length, 2 * 2 * 2, 'two seeds, two epochs with a checkpoint, two splits');
  assert.ok(lines.some((l) => /no checkpoint at epoch 3/.test(l)));
  assert.ok(results.evaluations.every((e) => e.batchNormEstimate === 4));
  for (const e of results.evaluations) {
    for (const v of [e.knnLatent, e.knnFeatures]) assert.ok(v > 0.1 && v <= 1, `${e.run} ${e.epoch} ${e.split}: ${v}`);
  }
  const cell = results.summary.find(
    (s) => s.epoch === 2 && s.split === 'validation' && s.representation === 'knnLatent',
  )!;
  const values = results.evaluations.filter((e) => e.epoch === 2 && e.split === 'validation').map((e) => e.knnLatent);
  assert.deepEqual(cell.seeds, [1, 2]);
  assert.ok(Math.abs(cell.mean - (values[0] + values[1]) / 2) < 1e-12);
  assert.ok(cell.ci95 !== null && cell.ci95 >= 0);
  // Raw pixels: the known 96.91% from 60,000 to the test set; from these runs' 512 digits, far less.
  assert.equal(results.pixels.test, 0.9691);
  assert.ok(results.pixels.validation! > 0.75 && results.pixels.validation! < 0.9, JSON.stringify(results.pixels));
  // Chosen on validation only: the best validation E(x), whatever the test numbers say.
  const best = Math.max(...results.evaluations.filter((e) => e.split === 'validation').map((e) => e.knnLatent));
  assert.equal(results.selection!.validation.knnLatent, best);
  assert.equal(results.selection!.test!.run, results.selection!.run);
  assert.equal(results.selection!.test!.split, 'test');
  assert.deepEqual(
    results.published.map((p) => [p.epoch, p.representation, p.accuracy]),
    [
      [200, 'knnLatent', 0.9592],
      [400, 'knnLatent', 0.921],
      [200, 'knnFeatures', 0.9714],
      [400, 'knnFeatures', 0.9735],
    ],
  );

  // Rerun: what was evaluated is kept, not evaluated again.
  const again = await evaluateProtocol(runs, [1, 2], mnist, results);
  assert.deepEqual(again.evaluations, results.evaluations);

  // A run of another config is refused rather than averaged in.
  const other = path.join(root, 'other');
  const otherRun = await train({
    runDir: other,
    config: mergeConfig(tinyOfficial(3), { learningRate: 1e-3 }),
    untilEpoch: 1,
    progress: silentProgress,
  });
  otherRun.model.dispose();
  await assert.rejects(evaluateProtocol([...runs, other], [1], mnist, results), /another config/);
});
