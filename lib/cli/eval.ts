import { initBackend } from '../backend/backend.js';
import { loadMnist, takeFirst } from '../data/mnist.js';
import { evaluateRepresentation, pixelNearestNeighbour } from '../eval/representation.js';
import { EVALUATION_SPLITS, evaluationSplit } from '../eval/evaluation-split.js';
import { classControl, loadClassifier } from '../eval/classifier.js';
import { reconstructionAgreement } from '../eval/reconstruction.js';
import { type TrainingConfig, upgradeConfig } from '../config/training-config.js';
import {
  type Milestone,
  readResults,
  resultsFile,
  type RunResults,
  saveResults,
  withMilestone,
} from '../experiments/results.js';
import { configKey } from '../training/cached-run.js';
import { choiceFlag, integerFlag } from './flags.js';
import { loadRunModel } from '../training/run-model.js';

/**
 * The recorded results a new evaluation of `config` joins: null when there are none, or when --force replaces
 * another run's. Another run's results are never replaced without --force: a short run evaluated with a long
 * run's name would silently replace the committed numbers.
 */
function resultsToJoin(name: string, config: TrainingConfig, force: boolean): RunResults | null {
  const existing = readResults(name);
  if (!existing) return null;
  if (configKey(upgradeConfig(existing.config) as TrainingConfig) === configKey(config)) return existing;
  if (force) return null;
  throw new Error(
    `${resultsFile(name)} holds the results of another run (${existing.config.model}, another config); choose another --results name, or add --force to replace it`,
  );
}

/**
 * `bigan eval --run DIR [--epoch N] [--split test|validation] [--bn-estimate N] [--pixels] [--json] [--test-limit N]
 * [--train-limit N] [--results NAME [--force]]`: 1NN on E(x) and penultimate features, linear probe, reconstruction
 * agreement (and class control) on the split's queries; writes DIR/metrics.json, and with --results (test split
 * only) adds the evaluation to data/results/NAME.json, whose headline is the latest epoch evaluated and whose
 * milestones keep every epoch evaluated. --pixels adds 1NN on raw pixels over the same split, for calibration.
 */
export async function evalCommand(flags: {
  run: string;
  epoch?: string;
  json: boolean;
  testLimit?: string;
  trainLimit?: string;
  split?: string;
  bnEstimate?: string;
  pixels?: boolean;
  results?: string;
  force?: boolean;
}): Promise<number> {
  if (flags.results) resultsFile(flags.results); // a bad name fails now, not after the evaluation
  const trainLimit = integerFlag('train-limit', flags.trainLimit, { min: 1, max: 60000 });
  const testLimit = integerFlag('test-limit', flags.testLimit, { min: 1, max: 10000 });
  const splitName = choiceFlag('split', flags.split, EVALUATION_SPLITS, 'test');
  if (flags.results && splitName !== 'test')
    throw new Error('--results records the test protocol; the validation split is read for choices, not recorded');
  const { run, model, epoch, batchNormEstimate } = await loadRunModel(flags.run, {
    epoch: integerFlag('epoch', flags.epoch, { min: 1 }),
    batchNormEstimate: integerFlag('bn-estimate', flags.bnEstimate, { min: 0, max: 100000 }),
  });
  // Everything that can refuse is checked before the evaluation, and nothing is written before it has finished.
  const history = flags.results ? run.readHistory().filter((r) => r.epoch < epoch) : [];
  const joined = flags.results ? resultsToJoin(flags.results, run.config, flags.force ?? false) : null;
  const backend = await initBackend();
  const mnist = loadMnist();
  const split = evaluationSplit(run.config, mnist, splitName);
  const metrics = evaluateRepresentation(model, mnist, { trainLimit, testLimit, split });
  const control = model.conditional ? await classControl(model) : null;
  const queries = split.queries;
  const agreement = reconstructionAgreement(
    model,
    await loadClassifier(),
    takeFirst(queries, testLimit ?? queries.count),
  );
  const pixels = flags.pixels
    ? pixelNearestNeighbour({
        ...split,
        reference: takeFirst(split.reference, trainLimit ?? split.reference.count),
        queries: takeFirst(queries, testLimit ?? queries.count),
      })
    : undefined;
  const record = {
    run: run.dir,
    model: run.config.model,
    epoch,
    backend: backend.backend,
    split: split.name,
    splitDescription: split.description,
    batchNormEstimate,
    ...metrics,
    ...(pixels !== undefined && { knnPixels: pixels }),
    ...(control && { classControl: control.overall, classControlPerDigit: control.perDigit }),
    reconstructionAgreement: agreement,
  };
  run.writeMetrics(record);
  if (flags.results) {
    const milestone: Milestone = {
      epoch,
      metrics,
      ...(control && { classControl: control.overall }),
      reconstructionAgreement: agreement,
    };
    // Results recorded before milestones existed stand for their own epoch's evaluation.
    const earlier: Milestone[] =
      joined?.milestones ??
      (joined
        ? [
            {
              epoch: joined.epoch,
              metrics: joined.metrics,
              ...(joined.classControl !== undefined && { classControl: joined.classControl }),
              ...(joined.reconstructionAgreement !== undefined && {
                reconstructionAgreement: joined.reconstructionAgreement,
              }),
            },
          ]
        : []);
    const milestones = withMilestone(earlier, milestone);
    const headline = joined && joined.epoch > epoch ? joined : null;
    const file = saveResults({
      ...(headline ?? {
        name: flags.results,
        config: run.config,
        epoch,
        trainingSeconds: history.reduce((t, r) => t + r.seconds, 0),
        metrics,
        history,
        ...(control && { classControl: control.overall }),
        reconstructionAgreement: agreement,
        backend: backend.backend,
        recordedAt: new Date().toISOString(),
      }),
      milestones,
    });
    if (!flags.json)
      console.log(`results written to ${file} (epochs evaluated: ${milestones.map((m) => m.epoch).join(', ')})`);
  }
  model.dispose();
  if (flags.json) console.log(JSON.stringify(record));
  else {
    console.log(`${run.dir} (epoch ${epoch}):`);
    console.log(`  1NN on E(x) (${metrics.latentSize}-d):            ${(metrics.knnLatent * 100).toFixed(2)}%`);
    console.log(`  1NN on penultimate layer (${metrics.featureSize}-d): ${(metrics.knnFeatures * 100).toFixed(2)}%`);
    console.log(`  linear probe on E(x):                ${(metrics.linearProbeLatent * 100).toFixed(2)}%`);
    if (control) console.log(`  class control of G(z, c):            ${(control.overall * 100).toFixed(2)}%`);
    console.log(`  reconstruction agreement:            ${(agreement * 100).toFixed(2)}%`);
    if (pixels !== undefined) console.log(`  1NN on raw pixels (calibration):      ${(pixels * 100).toFixed(2)}%`);
    console.log(
      `  (${split.name} split, ${metrics.trainCount} -> ${metrics.testCount}: ${split.description}; ` +
        `batch norm ${batchNormEstimate > 0 ? `re-estimated over ${batchNormEstimate} batches` : "training's running averages"}; ${metrics.seconds.toFixed(0)} s)`,
    );
  }
  return 0;
}
