import type * as tf from '@tensorflow/tfjs';
import { loadMnist, takeFirst, VALIDATION_START, validationSplit } from '../data/mnist.js';
import { scoreSamples } from '../eval/generation-scores.js';
import { embed } from '../eval/representation.js';
import { nearestNeighbourAccuracy } from '../eval/knn.js';
import { reconstructionAgreement } from '../eval/reconstruction.js';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { readJsonFile } from '../util/json-file.js';
import type { AdversarialModel } from '../models/adversarial-model.js';
import type { TrainOptions } from '../training/train.js';
import type { TrainingConfig } from '../config/training-config.js';
import { RunFolder } from '../io/run-folder.js';
import { resultsFile } from './results-files.js';

/** How often and on how much a learning curve is measured: small enough to take a few seconds a point. */
export interface CurveSettings {
  /** A point every this many optimizer steps. */
  every: number;
  /** Generated samples for IS and FID. */
  samples: number;
  /**
   * Digits for 1NN on E(x): the first `trainLimit` training digits as the reference, the first `testLimit` digits of
   * the validation split (the training file's last 10,000) as queries, which also serve reconstruction agreement
   * and FID's real side. A curve chooses things (a learning rate, an epoch), so it never reads the test set.
   */
  trainLimit: number;
  testLimit: number;
}

export const CURVE_SETTINGS: Omit<CurveSettings, 'every'> = { samples: 2000, trainLimit: 10000, testLimit: 1000 };

export interface CurvePoint {
  step: number;
  /** Seconds spent training up to this step, the curve's own measurements left out. */
  trainingSeconds: number;
  inceptionScore: number;
  frechetDistance: number;
  knnLatent: number;
  reconstructionAgreement: number;
}

/** What a curve point measures (the table's metrics less the linear probe, too slow to repeat every few steps). */
export type CurveMetric = 'inceptionScore' | 'frechetDistance' | 'knnLatent' | 'reconstructionAgreement';
export const CURVE_METRICS: CurveMetric[] = [
  'inceptionScore',
  'frechetDistance',
  'knnLatent',
  'reconstructionAgreement',
];

export interface LearningCurve {
  settings: CurveSettings;
  points: CurvePoint[];
}

/** The metrics of one curve point, on the model as it is now (inference mode: batch norm's running averages). */
export function curvePoint(
  model: AdversarialModel,
  classifier: tf.LayersModel,
  settings: CurveSettings,
): Omit<CurvePoint, 'step' | 'trainingSeconds'> {
  const mnist = loadMnist();
  const train = takeFirst(mnist.train, Math.min(settings.trainLimit, VALIDATION_START));
  const validation = validationSplit(mnist);
  const queries = takeFirst(validation, settings.testLimit);
  const knnLatent = nearestNeighbourAccuracy(
    embed(model, train, 'latent'),
    train.labels,
    embed(model, queries, 'latent'),
    queries.labels,
  ).accuracy;
  return {
    ...scoreSamples(model, classifier, settings.samples, 99, validation),
    knnLatent,
    reconstructionAgreement: reconstructionAgreement(model, classifier, queries),
  };
}

/**
 * A training callback that measures the model every `settings.every` steps, as evaluation sees it (with the weight
 * average when the run keeps one), and keeps the curve in the run folder's curve.json, written after each point.
 * The measurements draw their own seeded noise and leave the training's random state, weights and batch
 * statistics alone, so a run trains the same with or without its curve. On resume, the points after the
 * checkpoint the run continues from are dropped: those steps are trained again.
 */
export function curveRecorder(
  runDir: string,
  classifier: tf.LayersModel,
  settings: CurveSettings,
  onPoint?: (point: CurvePoint) => void,
): NonNullable<TrainOptions['afterStep']> {
  let points: CurvePoint[] | null = null;
  let last = 0;
  return ({ model, step, evaluated }) => {
    const now = performance.now();
    if (points === null) {
      const saved = readCurve(runDir);
      points = saved && sameSettings(saved.settings, settings) ? saved.points.filter((p) => p.step < step) : [];
      last = now;
    }
    if (step % settings.every !== 0) return;
    const previous = points.at(-1);
    const point: CurvePoint = {
      step,
      trainingSeconds: (previous?.trainingSeconds ?? 0) + (now - last) / 1000,
      ...evaluated(() => curvePoint(model, classifier, settings)),
    };
    points.push(point);
    writeFileAtomic(curveFile(runDir), JSON.stringify({ settings, points }, null, 1));
    onPoint?.(point);
    last = performance.now();
  };
}

export const curveFile = (runDir: string) => path.join(runDir, 'curve.json');

/** The curve a run recorded while training, or null when it has none. */
export function readCurve(runDir: string): LearningCurve | null {
  const curve = readJsonFile(curveFile(runDir), null) as LearningCurve | null;
  if (curve !== null && !(Array.isArray(curve.points) && typeof curve.settings?.every === 'number')) {
    throw new Error(`${curveFile(runDir)}: not a learning curve (settings and points expected)`);
  }
  return curve;
}

function sameSettings(a: CurveSettings, b: CurveSettings): boolean {
  return a.every === b.every && a.samples === b.samples && a.trainLimit === b.trainLimit && a.testLimit === b.testLimit;
}

export function formatCurvePoint(p: CurvePoint): string {
  return (
    `step ${p.step}  ${(p.trainingSeconds / 60).toFixed(1)} min  IS ${p.inceptionScore.toFixed(2)}  ` +
    `FID ${p.frechetDistance.toFixed(1)}  1NN ${(100 * p.knnLatent).toFixed(1)}%  ` +
    `agreement ${(100 * p.reconstructionAgreement).toFixed(1)}%`
  );
}

/** A run's curve as recorded in data/results: what it trained (its config) and what it measured. */
export interface LabelledCurve extends LearningCurve {
  label: string;
  runDir: string;
  config: TrainingConfig;
}

/** Curves compared in a diagnosis, as `bigan curves --results NAME` records them. */
export interface CurveSet {
  name: string;
  curves: LabelledCurve[];
  recordedAt: string;
}

/** The curves of the given runs, each labelled; a run without curve.json is an error naming it. */
export function collectCurves(name: string, runs: { label: string; dir: string }[]): CurveSet {
  const curves = runs.map(({ label, dir }) => {
    const curve = readCurve(dir);
    if (!curve) throw new Error(`${curveFile(dir)}: missing (train the run with --curve-every N)`);
    return { label, runDir: dir, config: RunFolder.open(dir).config, ...curve };
  });
  return { name, curves, recordedAt: new Date().toISOString() };
}

/** The committed curve set `name`, or null when none has been recorded. */
export function readCurveSet(name: string): CurveSet | null {
  return readJsonFile(resultsFile(name), null) as CurveSet | null;
}
