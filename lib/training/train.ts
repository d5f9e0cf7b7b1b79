import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { type BackendReport, initBackend } from '../backend/backend.js';
import { epochBatches, loadMnist, makeBatch, type MnistSplit } from '../data/mnist.js';
import { loadCheckpoint, type PartialEpoch, saveCheckpoint, type TrainingPosition } from '../io/checkpoint.js';
import { type EpochRecord, RunFolder } from '../io/run-folder.js';
import { lockRunFolder } from '../io/run-lock.js';
import { createModel } from './registry.js';
import { Random } from '../util/random.js';
import type { AdversarialModel, ModuleName } from '../models/adversarial-model.js';
import { learningRateAt, type TrainingConfig } from '../config/training-config.js';
import { consoleProgress, type ProgressReporter } from './progress.js';
import { createOptimizersFor, createWeightAverage, disposeOptimizers, type StepOptimizers } from './optimizers.js';
import { simultaneousStep, trainStep } from './step.js';
import { trainingDigits } from './training-data.js';
import { DiskFullError } from '../util/atomic.js';

/** A loss or weight became NaN or infinite; the last checkpoint on disk predates it and is intact. */
export class DivergenceError extends Error {
  constructor(
    readonly step: number,
    readonly what: string,
    readonly value: number,
    /** The newest checkpoint on disk, which predates the divergence; null when none was written yet. */
    readonly keptCheckpoint: string | null,
  ) {
    super(
      `training diverged at step ${step}: ${what} is ${value}; ` +
        (keptCheckpoint
          ? `the newest checkpoint, ${keptCheckpoint}, predates it and is intact (lower the learning rate and resume from it)`
          : 'no checkpoint was written yet (lower the learning rate and start again)'),
    );
    this.name = 'DivergenceError';
  }
}

/**
 * Weights are checked for NaN and infinity every this many steps and before every checkpoint; losses every step.
 * A weight that is not finite makes the losses NaN within a step or two in most cases; the periodic check
 * catches those whose effect saturates (a sigmoid input of Infinity) for the cost of one sum per network.
 */
export const WEIGHT_CHECK_EVERY = 20;

export interface TrainOptions {
  /** The run folder; created for a new run, reopened with `resume`. */
  runDir: string;
  /** Required for a new run; with `resume` the folder's own config.json is used. */
  config?: TrainingConfig;
  /** Continue from the newest checkpoint (or start, if the folder has none). */
  resume?: boolean;
  progress?: ProgressReporter;
  /**
   * Starting weights other than the config's initialisation (fine-tuning): `apply` runs once on the model before
   * its first step, and never when a checkpoint is loaded. A new run writes `record` to its init.json, so that
   * resuming it before its first checkpoint can start from the same weights.
   */
  initialise?: { record: Record<string, unknown>; apply: (model: AdversarialModel) => void };
  /**
   * Asks the loop to stop: checked after every step; when set, the loop writes a checkpoint of where it is (inside
   * the epoch if need be) and returns with `stopped` true. A scheduler's signal before preemption sets it.
   */
  stop?: { requested: boolean };
  /**
   * Stop after this epoch (a checkpoint holds it) even though the config runs longer: the first part of a long
   * schedule (the official preset's 400 epochs evaluated at 200). Resuming without it continues the schedule.
   */
  untilEpoch?: number;
  /**
   * Called after every optimizer step, like a Keras callback: custom logging, inspection, early stopping (throw).
   * Its time is not counted in the epochs' seconds.
   */
  afterStep?: (context: {
    model: AdversarialModel;
    epoch: number;
    step: number;
    losses: Record<string, number>;
    /**
     * Runs a measurement on the model as evaluation sees it: with the weight average in E's and G's place when
     * the run keeps one (the trained weights are back afterwards), as it is otherwise.
     */
    evaluated: <T>(measure: () => T) => T;
  }) => void;
}

export interface TrainResult {
  run: RunFolder;
  model: AdversarialModel;
  history: EpochRecord[];
  backend: BackendReport;
  /** Wall time of this call's epochs. */
  seconds: number;
  /** True when the loop stopped on request before the last epoch (a checkpoint holds where it was). */
  stopped: boolean;
}

function setLearningRates(config: TrainingConfig, optimizers: StepOptimizers, epoch: number): number {
  const base = learningRateAt(config, epoch);
  const rates: Record<ModuleName, number> = {
    discriminator: base,
    generator: base,
    encoder: base * config.encoderLearningRateMultiplier,
  };
  for (const module of Object.keys(rates) as ModuleName[]) optimizers[module].setLearningRate(rates[module]);
  return base;
}

function checkWeightsFinite(model: AdversarialModel, step: number, run: RunFolder): void {
  for (const [name, net] of Object.entries(model.networks)) {
    const total = tf.tidy(() => tf.addN(net.weights.map((w) => w.read().abs().sum())).dataSync()[0]);
    if (!Number.isFinite(total))
      throw new DivergenceError(step, `a weight of the ${name}`, total, newestCheckpoint(run));
  }
}

function newestCheckpoint(run: RunFolder): string | null {
  return run.checkpoints().pop()?.dir ?? null;
}

/**
 * The one training loop of the project: for every epoch a seeded shuffle of the training set, and for every
 * batch one {@link trainStep} (D update, then E+G update), with learning rates from the schedule, a checkpoint
 * every `checkpointEvery` epochs and after the last, and history.json rewritten after each epoch.
 * Resuming restores weights, optimizer state, the epoch and the random state, so the run continues exactly
 * where its last checkpoint left it.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const backend = await initBackend();
  const progress = options.progress ?? consoleProgress();
  let run: RunFolder;
  let release: () => void;
  if (options.resume) {
    run = RunFolder.open(options.runDir);
    release = lockRunFolder(run.dir);
    run.removeStaleTemporaries();
  } else {
    if (!options.config) throw new Error('train: a config is needed to start a new run');
    fs.mkdirSync(options.runDir, { recursive: true });
    release = lockRunFolder(options.runDir);
    try {
      run = RunFolder.create(options.runDir, options.config);
      if (options.initialise) run.writeInit(options.initialise.record);
    } catch (error) {
      release();
      throw error;
    }
  }
  try {
    return await trainInFolder(run, options, backend, progress);
  } catch (error) {
    if (!(error instanceof DiskFullError)) throw error;
    const kept = newestCheckpoint(run);
    throw new DiskFullError(
      error.file,
      error.neededBytes,
      error,
      `nothing written before was lost: ${kept ? `the newest checkpoint, ${kept}, is intact` : 'the run has no checkpoint yet'}; ` +
        `free space, then resume (\`bigan train --resume --out ${run.dir}\`, or the same cell or command again)`,
    );
  } finally {
    release();
  }
}

/** Everything one call of the loop works on: the run, its model and optimizers, and where the run stands. */
interface Session {
  run: RunFolder;
  config: TrainingConfig;
  options: TrainOptions;
  progress: ProgressReporter;
  data: MnistSplit;
  model: AdversarialModel;
  optimizers: StepOptimizers;
  average: ReturnType<typeof createWeightAverage>;
  takeStep: typeof trainStep;
  random: Random;
  step: number;
  history: EpochRecord[];
  /** Where an epoch stopped on request left off: the epoch the session starts with resumes from it. */
  partial?: PartialEpoch;
  startEpoch: number;
  /** The epoch after which this call stops: the config's last, or `untilEpoch`. */
  lastEpoch: number;
}

/** What an epoch trained to its end leaves for its record. */
interface EpochTotals {
  lossSums: Record<string, number>;
  steps: number;
  seconds: number;
  learningRate: number;
}

async function trainInFolder(
  run: RunFolder,
  options: TrainOptions,
  backend: BackendReport,
  progress: ProgressReporter,
): Promise<TrainResult> {
  const session = openSession(run, options, backend, progress);
  const { model, optimizers, average, config } = session;
  const started = performance.now();
  // The model returned is the one evaluation uses: the average in E's and G's place when the run keeps one, as
  // loadRunModel gives it from the checkpoint.
  const finish = (stopped: boolean): TrainResult => {
    average?.copyInto();
    const seconds = (performance.now() - started) / 1000;
    return { run, model, history: session.history, backend, seconds, stopped };
  };
  try {
    for (let epoch = session.startEpoch; epoch < session.lastEpoch; epoch++) {
      const totals = await trainEpoch(session, epoch);
      if (totals === 'stopped' || endEpoch(session, epoch, totals) === 'stopped') return finish(true);
    }
    return finish(session.lastEpoch < config.epochs);
  } finally {
    disposeOptimizers(optimizers);
    average?.dispose();
  }
}

/**
 * A new run's model, optimizers and weight average (with `initialise` applied), or a resumed run's restored from
 * its newest checkpoint with the epoch, step, history and random state it holds.
 */
function openSession(
  run: RunFolder,
  options: TrainOptions,
  backend: BackendReport,
  progress: ProgressReporter,
): Session {
  const { config } = run;
  const data = trainingDigits(config, loadMnist());
  const latest = options.resume ? run.checkpoints().pop() : undefined;
  const model = createModel(config);
  // Before the optimizers and the weight average exist, so that the average starts from these weights.
  if (!latest) options.initialise?.apply(model);
  const optimizers = createOptimizersFor(model, config);
  const session: Session = {
    run,
    config,
    options,
    progress,
    data,
    model,
    optimizers,
    average: createWeightAverage(model, config),
    takeStep: config.update === 'simultaneous' ? simultaneousStep : trainStep,
    random: new Random(`data:${config.seed}`),
    step: 0,
    history: [],
    startEpoch: 0,
    lastEpoch: Math.min(config.epochs, options.untilEpoch ?? config.epochs),
  };
  if (latest) {
    const position = loadCheckpoint(latest.dir, model, optimizers, session.average);
    const partial = position.partialEpoch;
    Object.assign(session, {
      random: new Random(0, partial?.startRandom ?? position.random),
      startEpoch: position.epoch,
      step: position.step,
      partial,
      // Epochs after the checkpoint were lost with the process; they are trained again. The checkpoint's own
      // records make history.json's state irrelevant (a version 1 checkpoint has none: history.json is read then).
      history: position.history ?? run.readHistory().filter((r) => r.epoch < position.epoch),
    });
    const where = partial
      ? `${partial.stepsDone} steps into epoch ${position.epoch + 1}`
      : `after epoch ${position.epoch}`;
    progress.message(`resuming ${run.dir} ${where} (step ${position.step})`);
  } else {
    const steps = epochBatches(data.count, config.batchSize, new Random(0), config.lastBatch).length;
    const until = session.lastEpoch < config.epochs ? `, stopping after epoch ${session.lastEpoch}` : '';
    progress.message(
      `training ${config.model} in ${run.dir} on ${backend.backend}, seed ${config.seed}, ` +
        `${config.epochs} epochs of ${steps} steps${until}`,
    );
  }
  return session;
}

/**
 * One epoch: a seeded shuffle of the training digits and one step per batch, from where a stopped epoch left off.
 * Returns the epoch's totals, or 'stopped' when a stop was asked for inside it (a checkpoint then holds the
 * position within the epoch).
 */
async function trainEpoch(session: Session, epoch: number): Promise<EpochTotals | 'stopped'> {
  const { config, options, progress, random, run, partial } = session;
  // An epoch's seconds are its training's: time spent in afterStep (a learning curve's measurements) is not.
  let epochStarted = performance.now() - (partial?.seconds ?? 0) * 1000;
  const learningRate = setLearningRates(config, session.optimizers, epoch);
  const startRandom = random.state();
  const batches = epochBatches(session.data.count, config.batchSize, random, config.lastBatch);
  const lossSums: Record<string, number> = { ...partial?.lossSums };
  const first = partial?.stepsDone ?? 0;
  // The steps already taken drew two seeds each (prior and step noise); drawing them again puts the random state
  // where the interrupted run had it.
  for (let i = 0; i < 2 * first; i++) random.seed();
  session.partial = undefined;
  for (let i = first; i < batches.length; i++) {
    const losses = takeOneStep(session, batches[i]);
    for (const [name, value] of Object.entries(losses)) lossSums[name] = (lossSums[name] ?? 0) + value;
    progress.step(epoch, config.epochs, i + 1, batches.length, losses);
    if (options.afterStep) {
      const called = performance.now();
      const { model, average, step } = session;
      const evaluated = <T>(measure: () => T): T => (average ? average.withAverages(measure) : measure());
      options.afterStep({ model, epoch, step, losses, evaluated });
      epochStarted += performance.now() - called;
    }
    if (session.step % WEIGHT_CHECK_EVERY === 0) checkWeightsFinite(session.model, session.step, run);
    // A step runs synchronously; the event loop gets a turn here so that a signal handler can ask to stop.
    if (options.stop) await new Promise((resolve) => setImmediate(resolve));
    if (options.stop?.requested && i + 1 < batches.length) {
      checkWeightsFinite(session.model, session.step, run);
      const seconds = (performance.now() - epochStarted) / 1000;
      const partialEpoch = { startRandom, stepsDone: i + 1, lossSums, seconds };
      const position = { epoch, step: session.step, random: random.state(), history: session.history, partialEpoch };
      checkpoint(session, run.checkpointDir(epoch, i + 1), position);
      progress.message(`stopped on request ${i + 1} steps into epoch ${epoch + 1}; resume continues from there`);
      return 'stopped';
    }
  }
  const seconds = (performance.now() - epochStarted) / 1000;
  return { lossSums, steps: batches.length, seconds, learningRate };
}

/** One optimisation step on the batch of these digits, with the divergence guard; returns its losses. */
function takeOneStep(session: Session, digits: Parameters<typeof makeBatch>[1]): Record<string, number> {
  const { config, model, random, run } = session;
  const batch = makeBatch(session.data, digits);
  const latents = model.samplePrior(config.batchSize, random.seed());
  const seed = random.seed();
  let losses: Record<string, number>;
  try {
    losses = session.takeStep(model, session.optimizers, { images: batch.images, labels: batch.labels, latents, seed });
  } finally {
    tf.dispose([batch.images, batch.labels, latents]);
  }
  session.average?.update();
  session.step++;
  for (const [name, value] of Object.entries(losses))
    if (!Number.isFinite(value)) throw new DivergenceError(session.step, `loss ${name}`, value, newestCheckpoint(run));
  return losses;
}

/**
 * An epoch's record in history.json, and a checkpoint when one is due (every `checkpointEvery` epochs, after the
 * last, and when this call stops early). Returns 'stopped' when the loop stops here.
 */
function endEpoch(session: Session, epoch: number, totals: EpochTotals): 'stopped' | 'continue' {
  const { config, options, progress, run, history } = session;
  checkWeightsFinite(session.model, session.step, run);
  const means = Object.fromEntries(Object.entries(totals.lossSums).map(([k, v]) => [k, v / totals.steps]));
  history.push({ epoch, seconds: totals.seconds, learningRate: totals.learningRate, losses: means });
  run.writeHistory(history);
  progress.epochEnd(epoch, config.epochs, totals.seconds, means);
  const done = epoch + 1;
  const stopping = (Boolean(options.stop?.requested) || done === session.lastEpoch) && done < config.epochs;
  if (done % config.checkpointEvery === 0 || done === config.epochs || stopping)
    checkpoint(session, run.checkpointDir(done), {
      epoch: done,
      step: session.step,
      random: session.random.state(),
      history,
    });
  if (!stopping) return 'continue';
  const why = done === session.lastEpoch ? 'as asked' : 'on request';
  progress.message(`stopped ${why} after epoch ${done}; resume continues from there`);
  return 'stopped';
}

function checkpoint(session: Session, dir: string, position: TrainingPosition): void {
  saveCheckpoint(dir, session.model, session.optimizers, position, session.average);
  session.run.pruneCheckpoints(session.config.keepCheckpoints, session.config.keepEvery);
}
