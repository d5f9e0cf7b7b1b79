import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { initBackend } from '../lib/backend/backend.js';
import { BIGBIGAN_BASE } from '../lib/config/bigbigan-presets.js';
import { mergeConfig } from '../lib/config/training-config.js';
import { loadClassifier } from '../lib/eval/classifier.js';
import { runAblations } from '../lib/experiments/ablations.js';
import { collectCurves, curveFile, curvePoint, curveRecorder, readCurve } from '../lib/experiments/learning-curve.js';
import { loadMnist, validationSplit } from '../lib/data/mnist.js';
import { learningCurvesFigure } from '../lib/plots/ablation-figures.js';
import { main } from '../lib/cli/main.js';
import { createModel } from '../lib/training/registry.js';

const base = mergeConfig(BIGBIGAN_BASE.quick, { trainLimit: 128, batchSize: 32, epochs: 2 });
const evaluation = { samples: 100, trainLimit: 500, testLimit: 100 };

test('a learning curve is recorded every N steps and leaves the training as it was', async () => {
  await initBackend();
  const [withCurve] = await runAblations(['base'], {
    base,
    evaluation,
    root: fs.mkdtempSync(path.join(os.tmpdir(), 'curve-')),
    curveEvery: 3,
  });
  const curve = readCurve(withCurve.runDir);
  assert.ok(curve);
  assert.deepEqual(
    curve.points.map((p) => p.step),
    [3, 6],
    '8 steps, a point every 3',
  );
  for (const p of curve.points) {
    assert.ok(p.inceptionScore >= 1 && p.inceptionScore <= 10, `IS ${p.inceptionScore}`);
    assert.ok(p.frechetDistance > 0, `FID ${p.frechetDistance}`);
    assert.ok(p.knnLatent > 0.1 && p.knnLatent <= 1, `1NN ${p.knnLatent}`);
    assert.ok(p.reconstructionAgreement >= 0 && p.reconstructionAgreement <= 1);
  }
  assert.ok(curve.points[1].trainingSeconds > curve.points[0].trainingSeconds);
  const set = collectCurves('diagnosis', [{ label: 'base', dir: withCurve.runDir }]);
  assert.equal(set.curves[0].config.seed, base.seed);
  const figure = learningCurvesFigure(set.curves, 'knnLatent');
  const [line] = figure.data as { name: string; x: number[]; y: number[] }[];
  assert.equal(line.name, 'base');
  assert.deepEqual(line.x, [3, 6]);
  assert.deepEqual(
    line.y,
    curve.points.map((p) => p.knnLatent * 100),
  );
  assert.equal(await main(['curves', '--run', 'nolabel']), 1, 'a --run without LABEL= is an error');

  const [without] = await runAblations(['base'], {
    base,
    evaluation,
    root: fs.mkdtempSync(path.join(os.tmpdir(), 'curve-')),
  });
  assert.equal(readCurve(without.runDir), null);
  const { runDir: _a, trainingSeconds: _b, ...scoresWith } = withCurve;
  const { runDir: _c, trainingSeconds: _d, ...scoresWithout } = without;
  assert.deepEqual(scoresWith, scoresWithout, 'the same scores, to the last digit, with and without a curve');
});

test('a resumed run drops the curve points after its checkpoint; other settings start a new curve', async () => {
  await initBackend();
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'curve-resume-'));
  const settings = { every: 3, ...evaluation };
  const old = (step: number) => ({
    step,
    trainingSeconds: step,
    inceptionScore: 1,
    frechetDistance: 1,
    knnLatent: 1,
    reconstructionAgreement: 1,
  });
  fs.writeFileSync(curveFile(runDir), JSON.stringify({ settings, points: [old(3), old(6)] }));
  const model = createModel(base);
  const classifier = await loadClassifier();
  const evaluated = <T>(measure: () => T) => measure();
  // The run resumes after step 4: its first step is 5, and step 6's point is measured again.
  const record = curveRecorder(runDir, classifier, settings);
  record({ model, epoch: 0, step: 5, losses: {}, evaluated });
  record({ model, epoch: 0, step: 6, losses: {}, evaluated });
  const curve = readCurve(runDir)!;
  assert.deepEqual(
    curve.points.map((p) => p.step),
    [3, 6],
  );
  assert.equal(curve.points[0].inceptionScore, 1, 'the point before the checkpoint is kept');
  assert.notEqual(curve.points[1].inceptionScore, 1, 'the point after it is measured again');
  assert.ok(curve.points[1].trainingSeconds >= 3);

  const other = curveRecorder(runDir, classifier, { ...settings, every: 2 });
  other({ model, epoch: 0, step: 1, losses: {}, evaluated });
  other({ model, epoch: 0, step: 2, losses: {}, evaluated });
  assert.deepEqual(
    readCurve(runDir)!.points.map((p) => p.step),
    [2],
  );
  fs.writeFileSync(curveFile(runDir), '{"points": 3}');
  assert.throws(() => readCurve(runDir), /curve\.json: not a learning curve/);
  model.dispose();
});

test('a learning curve never reads the test set: poisoning it changes no point; poisoning validation does', async () => {
  await initBackend();
  const classifier = await loadClassifier();
  const model = createModel(base);
  const settings = { every: 1, samples: 200, trainLimit: 500, testLimit: 200 };
  const mnist = loadMnist();
  const clean = curvePoint(model, classifier, settings);
  const poison = (split: { images: Float32Array }) => {
    const saved = split.images.slice();
    split.images.fill(0.5);
    return () => split.images.set(saved);
  };
  const restoreTest = poison(mnist.test);
  try {
    assert.deepEqual(curvePoint(model, classifier, settings), clean);
  } finally {
    restoreTest();
  }
  const restoreValidation = poison(validationSplit(mnist));
  try {
    assert.notDeepEqual(curvePoint(model, classifier, settings), clean, 'the curve reads the validation split');
  } finally {
    restoreValidation();
  }
  model.dispose();
});
