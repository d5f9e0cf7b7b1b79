import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend/backend.js';
import { loadMnist, takeFirst } from '../data/mnist.js';
import { evaluateRepresentation } from '../eval/representation.js';
import { classControl, loadClassifier } from '../eval/classifier.js';
import { reconstructionAgreement } from '../eval/reconstruction.js';
import { type TrainingConfig, upgradeConfig } from '../config/training-config.js';
import { readResults, resultsFile, saveResults } from '../experiments/results.js';
import { configKey } from '../training/cached-run.js';
import { integerFlag } from './flags.js';
import { loadRunModel } from '../training/run-model.js';

/**
 * `bigan eval --run DIR [--json] [--test-limit N] [--train-limit N] [--results NAME]`: 1NN on E(x) and penultimate
 * features, linear probe; writes DIR/metrics.json, and with --results also data/results/NAME.json for notebooks.
 */
/**
 * A recorded result may be replaced only by the same run (same config) at the same epoch or later: a short run
 * evaluated with a long run's name would silently replace the committed numbers.
 */
function checkOverwrite(name: string, config: TrainingConfig, epoch: number): void {
  const existing = readResults(name);
  if (!existing) return;
  const file = resultsFile(name);
  if (configKey(upgradeConfig(existing.config) as TrainingConfig) !== configKey(config)) {
    throw new Error(
      `${file} holds the results of another run (${existing.config.model}, another config); choose another --results name, or add --force to replace it`,
    );
  }
  if (existing.epoch > epoch) {
    throw new Error(
      `${file} holds results at epoch ${existing.epoch}, later than this checkpoint's ${epoch}; add --force to replace them`,
    );
  }
}

export async function evalCommand(flags: {
  run: string;
  json: boolean;
  testLimit?: string;
  trainLimit?: string;
  results?: string;
  force?: boolean;
}): Promise<number> {
  if (flags.results) resultsFile(flags.results); // a bad name fails now, not after the evaluation
  const trainLimit = integerFlag('train-limit', flags.trainLimit, { min: 1, max: 60000 });
  const testLimit = integerFlag('test-limit', flags.testLimit, { min: 1, max: 10000 });
  const { run, model, epoch } = await loadRunModel(flags.run);
  // Everything that can refuse is checked before the evaluation, and nothing is written before it has finished.
  const history = flags.results ? run.readHistory().filter((r) => r.epoch < epoch) : [];
  if (flags.results && !flags.force) checkOverwrite(flags.results, run.config, epoch);
  const backend = await initBackend();
  const metrics = evaluateRepresentation(model, loadMnist(), { trainLimit, testLimit });
  const control = model.conditional ? await classControl(model) : null;
  const test = loadMnist().test;
  const agreement = reconstructionAgreement(model, await loadClassifier(), takeFirst(test, testLimit ?? test.count));
  const record = {
    run: run.dir,
    model: run.config.model,
    epoch,
    backend: backend.backend,
    ...metrics,
    ...(control && { classControl: control.overall, classControlPerDigit: control.perDigit }),
    reconstructionAgreement: agreement,
  };
  run.writeMetrics(record);
  if (flags.results) {
    const file = saveResults({
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
    });
    if (!flags.json) console.log(`results written to ${file}`);
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
    console.log(`  (${metrics.trainCount} train -> ${metrics.testCount} test, ${metrics.seconds.toFixed(0)} s)`);
  }
  tf.disposeVariables();
  return 0;
}
