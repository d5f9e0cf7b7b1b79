import { initBackend } from '../backend/backend.js';
import { loadMnist, takeFirst } from '../data/mnist.js';
import { evaluateRepresentation, pixelNearestNeighbour, type RepresentationMetrics } from '../eval/representation.js';
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
import { defineCommand, required } from './command.js';
import { percent } from '../util/format.js';

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

/** The flags of `bigan eval`, as given. */
interface EvalFlags {
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
}

/** What one evaluation measured, as DIR/metrics.json records it. */
type EvaluationRecord = Awaited<ReturnType<typeof evaluateRun>>['record'];

/**
 * `bigan eval --run DIR [--epoch N] [--split test|validation] [--bn-estimate N] [--pixels] [--json] [--test-limit N]
 * [--train-limit N] [--results NAME [--force]]`: 1NN on E(x) and penultimate features, linear probe, reconstruction
 * agreement (and class control) on the split's queries; writes DIR/metrics.json, and with --results (test split
 * only) adds the evaluation to data/results/NAME.json, whose headline is the latest epoch evaluated and whose
 * milestones keep every epoch evaluated. --pixels adds 1NN on raw pixels over the same split, for calibration.
 */
export async function evalCommand(flags: EvalFlags): Promise<number> {
  if (flags.results) resultsFile(flags.results); // a bad name fails now, not after the evaluation
  const splitName = choiceFlag('split', flags.split, EVALUATION_SPLITS, 'test');
  if (flags.results && splitName !== 'test')
    throw new Error('--results records the test protocol; the validation split is read for choices, not recorded');
  const loaded = await loadRunModel(flags.run, {
    epoch: integerFlag('epoch', flags.epoch, { min: 1 }),
    batchNormEstimate: integerFlag('bn-estimate', flags.bnEstimate, { min: 0, max: 100000 }),
  });
  const { run, epoch } = loaded;
  // Everything that can refuse is checked before the evaluation, and nothing is written before it has finished.
  const history = flags.results ? run.readHistory().filter((r) => r.epoch < epoch) : [];
  const joined = flags.results ? resultsToJoin(flags.results, run.config, flags.force ?? false) : null;
  const { record, metrics, split } = await evaluateRun(loaded, splitName, flags);
  run.writeMetrics(record);
  if (flags.results) {
    const results = resultsWithEpoch(flags.results, joined, { record, metrics }, run.config, history);
    const file = saveResults(results);
    const epochs = (results.milestones ?? []).map((m) => m.epoch).join(', ');
    if (!flags.json) console.log(`results written to ${file} (epochs evaluated: ${epochs})`);
  }
  if (flags.json) console.log(JSON.stringify(record));
  else printEvaluation(record, split.description);
  return 0;
}

/** Scores a loaded run on a split: the representation, class control, reconstruction agreement, raw pixels. */
async function evaluateRun(
  { run, model, epoch, batchNormEstimate }: Awaited<ReturnType<typeof loadRunModel>>,
  splitName: (typeof EVALUATION_SPLITS)[number],
  flags: Pick<EvalFlags, 'trainLimit' | 'testLimit' | 'pixels'>,
) {
  const trainLimit = integerFlag('train-limit', flags.trainLimit, { min: 1, max: 60000 });
  const testLimit = integerFlag('test-limit', flags.testLimit, { min: 1, max: 10000 });
  try {
    const backend = await initBackend();
    const mnist = loadMnist();
    const split = evaluationSplit(run.config, mnist, splitName);
    const queries = takeFirst(split.queries, testLimit ?? split.queries.count);
    const metrics = evaluateRepresentation(model, mnist, { trainLimit, testLimit, split });
    const control = model.conditional ? await classControl(model) : null;
    const agreement = reconstructionAgreement(model, await loadClassifier(), queries);
    const pixels = flags.pixels
      ? pixelNearestNeighbour({
          ...split,
          reference: takeFirst(split.reference, trainLimit ?? split.reference.count),
          queries,
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
    return { record, metrics, split };
  } finally {
    model.dispose();
  }
}

/**
 * The recorded results with this evaluation's epoch added as a milestone. The headline stays the latest epoch
 * evaluated; results recorded before milestones existed stand for their own epoch's evaluation.
 */
function resultsWithEpoch(
  name: string,
  joined: RunResults | null,
  { record, metrics }: { record: EvaluationRecord; metrics: RepresentationMetrics },
  config: TrainingConfig,
  history: RunResults['history'],
): RunResults {
  const { epoch, classControl, reconstructionAgreement: agreement } = record;
  const milestone = milestoneOf({ epoch, metrics, classControl, reconstructionAgreement: agreement });
  const earlier: Milestone[] = joined?.milestones ?? (joined ? [milestoneOf(joined)] : []);
  const headline = joined && joined.epoch > epoch ? joined : null;
  return {
    ...(headline ?? {
      name,
      config,
      epoch,
      trainingSeconds: history.reduce((t, r) => t + r.seconds, 0),
      metrics,
      history,
      ...(classControl !== undefined && { classControl }),
      reconstructionAgreement: agreement,
      backend: record.backend,
      recordedAt: new Date().toISOString(),
    }),
    milestones: withMilestone(earlier, milestone),
  };
}

/**
 * One evaluated epoch as a milestone: this evaluation's, or a results file's written before milestones existed (it
 * stands for its own epoch's evaluation).
 */
function milestoneOf(
  results: Pick<RunResults, 'epoch' | 'metrics' | 'classControl' | 'reconstructionAgreement'>,
): Milestone {
  return {
    epoch: results.epoch,
    metrics: results.metrics,
    ...(results.classControl !== undefined && { classControl: results.classControl }),
    ...(results.reconstructionAgreement !== undefined && {
      reconstructionAgreement: results.reconstructionAgreement,
    }),
  };
}

function printEvaluation(record: EvaluationRecord, splitDescription: string): void {
  const { epoch, batchNormEstimate, classControl, knnPixels } = record;
  console.log(`${record.run} (epoch ${epoch}):`);
  console.log(`  1NN on E(x) (${record.latentSize}-d):            ${percent(record.knnLatent)}`);
  console.log(`  1NN on penultimate layer (${record.featureSize}-d): ${percent(record.knnFeatures)}`);
  console.log(`  linear probe on E(x):                ${percent(record.linearProbeLatent)}`);
  if (classControl !== undefined) console.log(`  class control of G(z, c):            ${percent(classControl)}`);
  console.log(`  reconstruction agreement:            ${percent(record.reconstructionAgreement)}`);
  if (knnPixels !== undefined) console.log(`  1NN on raw pixels (calibration):      ${percent(knnPixels)}`);
  const batchNorm =
    batchNormEstimate > 0 ? `re-estimated over ${batchNormEstimate} batches` : "training's running averages";
  console.log(
    `  (${record.split} split, ${record.trainCount} -> ${record.testCount}: ${splitDescription}; ` +
      `batch norm ${batchNorm}; ${record.seconds.toFixed(0)} s)`,
  );
}

/** `bigan eval`. */
export const evalCli = defineCommand({
  name: 'eval',
  summary: "a run's representation: 1NN on E(x) and the penultimate layer, linear probe, reconstruction agreement",
  usage: `bigan eval --run DIR [--epoch N] [--split test|validation] [--bn-estimate N] [--pixels] [--json]
           [--test-limit N] [--train-limit N] [--results NAME [--force]]

1NN accuracy of E(x) and of the penultimate layer, linear probe, reconstruction agreement, at the newest checkpoint
(or the end of epoch N); writes DIR/metrics.json (and adds the epoch to data/results/NAME.json, which the notebooks
show; another run's result is replaced only with --force). --split test: 60,000 training digits -> the test set;
validation: the run's training digits -> the ones it held out (the official BiGAN protocol; what choices read).
--bn-estimate N re-estimates E's and G's batch-norm statistics over N training batches first (default: the run's
config; 1,000 for the official preset). --pixels adds raw-pixel 1NN on the same split.`,
  options: {
    run: { type: 'string' },
    epoch: { type: 'string' },
    json: { type: 'boolean', default: false },
    'test-limit': { type: 'string' },
    'train-limit': { type: 'string' },
    split: { type: 'string' },
    'bn-estimate': { type: 'string' },
    pixels: { type: 'boolean', default: false },
    results: { type: 'string' },
    force: { type: 'boolean', default: false },
  },
  run: (values) =>
    evalCommand({
      ...values,
      run: required('run', values.run),
      testLimit: values['test-limit'],
      trainLimit: values['train-limit'],
      bnEstimate: values['bn-estimate'],
    }),
});
