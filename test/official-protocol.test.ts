import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/backend.js';
import { makeConfig, mergeConfig } from '../lib/config/training-config.js';
import { loadMnist } from '../lib/data/mnist.js';
import { evaluationSplit } from '../lib/eval/evaluation-split.js';
import {
  barLine,
  evaluateProtocol,
  laterEpochLines,
  officialLogLines,
  protocolBars,
  type ProtocolEvaluation,
  type ProtocolResults,
  selectOnValidation,
  summarise,
  trainingLosses,
} from '../lib/experiments/official-protocol.js';
import { RunFolder } from '../lib/io/run-folder.js';
import { protocolTableFigure } from '../lib/plots/accuracy-tables.js';
import { protocolByEpochFigure } from '../lib/plots/run-figures.js';
import { exportCommand } from '../lib/cli/export.js';
import { protocolTable } from '../lib/cli/protocol.js';
import { PIXELS, takeFirst } from '../lib/data/mnist.js';
import { loadPretrained } from '../lib/experiments/pretrained.js';
import { loadRunModel } from '../lib/training/run-model.js';
import { silentProgress } from '../lib/training/progress.js';
import { train } from '../lib/training/train.js';
import { createModel } from '../lib/training/registry.js';

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

  // The table for a README: the published points, ours per epoch and split, pixels; then the choice.
  const markdown = protocolTable(results, true);
  const table = markdown.filter((l) => l.startsWith('|'));
  assert.equal(table[0], '|  | epoch | split | seeds | 1NN on E(x) | penultimate layer |');
  assert.deepEqual(
    table.slice(2).map((l) => l.split(' | ').slice(0, 4).join(' ')),
    [
      '| official code (published) 200 validation 1',
      '| official code (published) 400 validation 1',
      '| ours, official preset 1 validation 2',
      '| ours, official preset 1 test 2',
      '| ours, official preset 2 validation 2',
      '| ours, official preset 2 test 2',
      '| raw pixels  test ',
      '| raw pixels  validation ',
      '| PyTorch reproduction 400 test 1',
    ],
  );
  assert.match(markdown.at(-1)!, /^chosen on validation: seed \d, epoch \d .*its test numbers, reported once/);

  // `export --protocol` ships the chosen checkpoint with batch-norm statistics re-estimated, as evaluated: the
  // official networks (no biases, no gains, E squashed only for D) survive the stock-layers format.
  process.env.BIGAN_RESULTS_DIR = root;
  process.env.BIGAN_PRETRAINED_DIR = root;
  try {
    fs.writeFileSync(path.join(root, 'tiny-protocol.json'), JSON.stringify(results));
    await assert.rejects(exportCommand({ protocol: 'tiny-protocol', name: 'x', epoch: '1' }), /drop --run and --epoch/);
    assert.equal(await exportCommand({ protocol: 'tiny-protocol', name: 'tiny-official' }), 0);
    const { model: shipped, manifest } = await loadPretrained('tiny-official');
    const chosen = results.selection!;
    assert.equal(manifest.epoch, chosen.epoch);
    assert.equal(manifest.sourceRun, path.basename(chosen.run));
    assert.deepEqual(manifest.metrics, {
      knnLatent: chosen.test!.knnLatent,
      knnFeatures: chosen.test!.knnFeatures,
      validationKnnLatent: chosen.validation.knnLatent,
      validationKnnFeatures: chosen.validation.knnFeatures,
    });
    // Chosen on validation digits, so its float16 check reads them too: the test digits are scored once, above.
    assert.equal(manifest.check.split, 'validation');
    const { model: evaluated } = await loadRunModel(chosen.run, { epoch: chosen.epoch });
    const x = tf.tensor2d(takeFirst(mnist.test, 64).images, [64, PIXELS]);
    const [ours, theirs] = [shipped.encode(x), evaluated.encode(x)].map((t) => t.dataSync());
    const scale = Math.max(...Array.from(theirs, Math.abs));
    theirs.forEach((v, i) => assert.ok(Math.abs(ours[i] - v) < 5e-3 * scale, `E(x)[${i}]: ${ours[i]} vs ${v}`));
    tf.dispose(x);
    shipped.dispose();
    evaluated.dispose();
  } finally {
    delete process.env.BIGAN_RESULTS_DIR;
    delete process.env.BIGAN_PRETRAINED_DIR;
  }

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

test('the shipped checkpoint is chosen on validation: poisoning the test numbers changes nothing', () => {
  const evaluation = (seed: number, epoch: number, split: 'validation' | 'test', knnLatent: number) =>
    ({
      seed,
      run: `s${seed}`,
      epoch,
      split,
      knnLatent,
      knnFeatures: 0.9,
      batchNormEstimate: 0,
      evaluatedAt: '',
    }) as ProtocolEvaluation;
  const evaluations = [
    evaluation(1, 100, 'validation', 0.95),
    evaluation(1, 100, 'test', 0.94),
    evaluation(1, 200, 'validation', 0.96),
    evaluation(1, 200, 'test', 0.95),
    evaluation(2, 200, 'validation', 0.96),
    evaluation(2, 200, 'test', 0.97),
  ];
  const chosen = selectOnValidation(evaluations)!;
  // Seed 1 at 200 and seed 2 at 200 tie on validation; the tie goes to the first, whatever seed 2's test says.
  assert.deepEqual([chosen.seed, chosen.epoch, chosen.test!.knnLatent], [1, 200, 0.95]);
  const poisoned = evaluations.map((e) => (e.split === 'test' ? { ...e, knnLatent: e.seed === 1 ? 0 : 1 } : e));
  const again = selectOnValidation(poisoned)!;
  assert.deepEqual([again.seed, again.epoch], [1, 200]);
  assert.equal(again.test!.knnLatent, 0, 'the test number is reported for the chosen checkpoint, not used to choose');
  // Validation does choose.
  const moved = evaluations.map((e) => (e.split === 'validation' && e.epoch === 100 ? { ...e, knnLatent: 0.99 } : e));
  assert.deepEqual([selectOnValidation(moved)!.seed, selectOnValidation(moved)!.epoch], [1, 100]);
});

test("the notebook's protocol table reads the bars' epochs: 200, and 400 once a seed is there", () => {
  const evaluation = (seed: number, epoch: number, split: 'validation' | 'test') =>
    ({
      seed,
      run: `s${seed}`,
      epoch,
      split,
      knnLatent: 0.95,
      knnFeatures: 0.97,
      batchNormEstimate: 0,
      evaluatedAt: '',
    }) as ProtocolEvaluation;
  const table = (epochs: number[][]) => {
    const evaluations = epochs.flatMap(([seed, epoch]) =>
      (['validation', 'test'] as const).map((split) => evaluation(seed, epoch, split)),
    );
    const results = { summary: summarise(evaluations), published: [], pixels: {} } as unknown as ProtocolResults;
    const { values } = (protocolTableFigure(results).data[0] as { cells: { values: string[][] } }).cells;
    return values[0].map((label, i) => `${label} ${values[1][i]} ${values[2][i]} ${values[3][i]}`);
  };
  const ours = (rows: string[]) => rows.filter((r) => r.startsWith('ours'));
  assert.deepEqual(
    ours(
      table([
        [1, 50],
        [1, 100],
      ]),
    ),
    ['ours, official preset 100 validation 1', 'ours, official preset 100 test 1'],
  );
  const three = [1, 2, 3].flatMap((seed) => [50, 200].map((epoch) => [seed, epoch]));
  assert.deepEqual(ours(table([...three, [1, 250], [1, 400]])), [
    'ours, official preset 200 validation 3',
    'ours, official preset 200 test 3',
    'ours, official preset 400 validation 1',
    'ours, official preset 400 test 1',
  ]);
  assert.ok(table(three).includes('PyTorch reproduction 400 test 1'));
});

test('the bars read three seeds at epoch 200 on validation: pending, met, short within the spread, or beyond it', () => {
  const published = [
    { epoch: 200, representation: 'knnLatent' as const, accuracy: 0.9592 },
    { epoch: 200, representation: 'knnFeatures' as const, accuracy: 0.9714 },
    { epoch: 400, representation: 'knnLatent' as const, accuracy: 0.921 },
  ];
  // Test numbers far above every bar, and epoch-150 numbers too: neither may move a verdict.
  const bars = (latent: number[], features: number[] = latent.map(() => 0.98)) =>
    protocolBars({
      published,
      evaluations: latent.flatMap((knnLatent, i) => [
        { seed: i + 1, epoch: 200, split: 'validation', knnLatent, knnFeatures: features[i] },
        { seed: i + 1, epoch: 200, split: 'test', knnLatent: 1, knnFeatures: 1 },
        { seed: i + 1, epoch: 150, split: 'validation', knnLatent: 1, knnFeatures: 1 },
      ]),
    } as unknown as ProtocolResults);
  const verdicts = (latent: number[], features?: number[]) => bars(latent, features).map((b) => b.verdict);

  assert.deepEqual(verdicts([]), []);
  assert.deepEqual(verdicts([0.99, 0.99]), ['pending', 'pending']);
  // The bar is the published run less 0.3 points: a mean of 95.62% meets it, 95.60% does not.
  assert.deepEqual(verdicts([0.9552, 0.9562, 0.9572]), ['met', 'met']);
  assert.deepEqual(verdicts([0.955, 0.956, 0.957]), ["short, beyond the seeds' spread", 'met']);
  // Short on the mean, but one seed reached the official run: seed-to-seed variation can give the gap.
  assert.deepEqual(verdicts([0.95, 0.951, 0.9592], [0.96, 0.97, 0.97]), [
    "short, within the seeds' spread",
    "short, beyond the seeds' spread",
  ]);
  const [latent] = bars([0.95, 0.951, 0.9592]);
  assert.deepEqual(latent.seeds, [1, 2, 3]);
  assert.deepEqual(latent.range, [0.95, 0.9592]);
  assert.ok(Math.abs(latent.bar - 0.9562) < 1e-12);
  assert.match(
    barLine(latent),
    /^bar, 1NN on E\(x\) at epoch 200, validation: 95\.34% ± 1\.\d\d over 3 seeds \(95\.00% to 95\.92%\) against the official 95\.92% \(bar 95\.62%\): short, within the seeds' spread$/,
  );
  assert.match(barLine(bars([0.96])[1]), /over 1 seed .*: pending: 1 of 3 seeds evaluated$/);
});

test('from epoch 200 to 400 the official change is set beside each seed of ours that went on, on validation', () => {
  const published = [
    { epoch: 200, representation: 'knnLatent' as const, accuracy: 0.9592 },
    { epoch: 400, representation: 'knnLatent' as const, accuracy: 0.921 },
    { epoch: 200, representation: 'knnFeatures' as const, accuracy: 0.9714 },
    { epoch: 400, representation: 'knnFeatures' as const, accuracy: 0.9735 },
  ];
  const evaluation = (seed: number, epoch: number, split: string, knnLatent: number, knnFeatures: number) => ({
    seed,
    epoch,
    split,
    knnLatent,
    knnFeatures,
  });
  const results = (evaluations: object[]) => ({ published, evaluations }) as unknown as ProtocolResults;
  const before = [evaluation(1, 200, 'validation', 0.9577, 0.9717), evaluation(2, 200, 'validation', 0.95, 0.97)];
  assert.deepEqual(laterEpochLines(results(before)), [], 'no seed at 400 yet');
  const lines = laterEpochLines(
    results([
      ...before,
      evaluation(1, 400, 'validation', 0.94, 0.975),
      evaluation(1, 400, 'test', 0.5, 0.5),
      evaluation(2, 400, 'test', 0.5, 0.5),
    ]),
  );
  assert.deepEqual(lines, [
    'epoch 200 -> 400, validation: official code E(x) 95.92% -> 92.10% (-3.82 points), penultimate 97.14% -> 97.35% (+0.21 points)',
    'epoch 200 -> 400, validation: ours, seed 1: E(x) 95.77% -> 94.00% (-1.77 points), penultimate 97.17% -> 97.50% (+0.33 points)',
  ]);
});

test("the runs' losses are read per term at the official log's epochs and set beside its own", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'protocol-losses-'));
  const record = (epoch: number, d: number, eg: number) => ({
    epoch,
    seconds: 1,
    learningRate: 2e-4,
    losses: { 'd/total': d, 'eg/total': eg, 'eg/encoder': 9 },
  });
  // history.json counts epochs from 0: the record with epoch 199 is the state after 200 epochs.
  const history = [record(23, 9, 9), record(24, 0.42, 1.45), record(199, 0.22, 2.9)];
  const mean = RunFolder.create(path.join(root, 'mean'), tinyOfficial(1));
  mean.writeHistory(history);
  // A run that sums its two terms has them halved, to read as the official log's means.
  const sum = RunFolder.create(path.join(root, 'sum'), { ...tinyOfficial(2), lossTerms: 'sum' });
  sum.writeHistory(history.slice(0, 2).map((r) => ({ ...r, losses: { 'd/total': 0.84, 'eg/total': 2.9 } })));
  const losses = trainingLosses([mean.dir, sum.dir]);
  assert.deepEqual(losses, [
    { seed: 1, epoch: 25, discriminator: 0.42, encoderGenerator: 1.45 },
    { seed: 1, epoch: 200, discriminator: 0.22, encoderGenerator: 2.9 },
    { seed: 2, epoch: 25, discriminator: 0.42, encoderGenerator: 1.45 },
  ]);
  assert.deepEqual(officialLogLines({ losses, evaluations: [] } as unknown as ProtocolResults), [
    'losses after 25 epochs, D / E and G: official 0.449 / 1.391; ours: seed 1 0.420 / 1.450, seed 2 0.420 / 1.450',
    'losses after 200 epochs, D / E and G: official 0.178 / 2.871; ours: seed 1 0.220 / 2.900',
  ]);
});

test("epoch 0 is a run's initial weights, rebuilt from its seed, never chosen; a fine-tuned run has none", async () => {
  await initBackend();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'protocol-epoch0-'));
  // No checkpoint is needed: the seed rebuilds what training starts from (train() builds createModel(config)).
  const run = RunFolder.create(path.join(root, 'fresh'), tinyOfficial(3));
  const { model, epoch } = await loadRunModel(run.dir, { epoch: 0, batchNormEstimate: 0 });
  const rebuilt = createModel(tinyOfficial(3));
  const other = createModel(tinyOfficial(4));
  const weights = (m: typeof model) => m.networks.encoder.getWeights().map((w) => Array.from(w.dataSync()));
  assert.equal(epoch, 0);
  assert.deepEqual(weights(model), weights(rebuilt));
  assert.notDeepEqual(weights(model), weights(other), 'another seed, other weights');
  [model, rebuilt, other].forEach((m) => m.dispose());

  const tuned = RunFolder.create(path.join(root, 'tuned'), tinyOfficial(5));
  tuned.writeInit({ pretrained: 'bigan-official' });
  await assert.rejects(
    loadRunModel(tuned.dir, { epoch: 0 }),
    /started from pretrained weights \(init\.json\): its epoch 0 is not kept/,
  );

  // Chosen never, however well it scores; and beside the official log's first line.
  const evaluation = (seed: number, epoch: number, knnLatent: number, knnFeatures: number) =>
    ({ seed, run: `s${seed}`, epoch, split: 'validation', knnLatent, knnFeatures }) as ProtocolEvaluation;
  const evaluations = [evaluation(2, 0, 0.99, 0.9641), evaluation(1, 0, 0.9175, 0.9636), evaluation(1, 50, 0.95, 0.96)];
  assert.deepEqual([selectOnValidation(evaluations)!.seed, selectOnValidation(evaluations)!.epoch], [1, 50]);
  assert.deepEqual(officialLogLines({ evaluations } as ProtocolResults), [
    'at initialisation, 1NN on E(x) / penultimate, validation: official 91.50% / 96.84%; ours: seed 1 91.75% / 96.36%, seed 2 99.00% / 96.41%',
  ]);
});

test('the by-epoch figure draws every seed on its split and, on validation, every point the official log printed', () => {
  const evaluations = [0, 50, 100].flatMap((epoch) =>
    (['validation', 'test'] as const).map((split) => ({
      seed: 1,
      epoch,
      split,
      knnLatent: split === 'test' ? 0.5 : 0.9 + epoch / 10000,
      knnFeatures: 0.96,
    })),
  );
  const results = { evaluations, pixels: { validation: 0.972 }, published: [] } as unknown as ProtocolResults;
  const traces = (split: 'validation' | 'test') =>
    protocolByEpochFigure(results, split).data as { name: string; x: number[]; y: number[] }[];
  const validation = traces('validation');
  const ours = validation.find((t) => t.name === 'ours, seed 1: E(x), 50-d')!;
  assert.deepEqual(
    [ours.x, ours.y],
    [
      [0, 50, 100],
      [90, 90.5, 91],
    ],
  );
  const official = validation.find((t) => t.name === 'official code (one run, its printed log): E(x), 50-d')!;
  assert.deepEqual(
    [official.x, official.y],
    [
      [0, 1, 25, 200, 400],
      [91.5, 89.94, 95.41, 95.92, 92.1],
    ],
  );
  const features = validation.find((t) => t.name === 'official code (one run, its printed log): penultimate, 1024-d')!;
  assert.deepEqual(features.y, [96.84, 92.56, 96.28, 97.14, 97.35]);
  // The official log is on its validation split: the test split's figure has ours alone.
  assert.deepEqual(
    traces('test').map((t) => t.name),
    ['ours, seed 1: E(x), 50-d', 'ours, seed 1: penultimate, 1024-d'],
  );
});
