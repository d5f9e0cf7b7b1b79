import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { initBackend } from '../backend/backend.js';
import { loadRunModel } from './run-model.js';
import { runsDir } from '../util/paths.js';
import { checkpointHistory } from '../io/checkpoint.js';
import { RunFolder } from '../io/run-folder.js';
import type { AdversarialModel } from '../models/adversarial-model.js';
import {
  LATER_ARCHITECTURE_DEFAULTS,
  LATER_FIELD_DEFAULTS,
  type ModelKind,
  type TrainingConfig,
  upgradeConfig,
  validateConfig,
} from '../config/training-config.js';
import type { ProgressReporter } from './progress.js';
import { TrainingStoppedError, withStopOnSignals } from './stop-signals.js';
import { train, type TrainOptions, type TrainResult } from './train.js';

/**
 * Revisions of a model's networks that the config does not describe: a run trained before one cannot load into the
 * current networks, or trains differently, so it must not be found by the same key. BigBiGAN 2: the spectrally
 * normalised discriminator. BigBiGAN 3: D judges encoder and generator pairs in one batch (one power-iteration
 * step per D pass), so a table never mixes runs of both kinds.
 */
const ARCHITECTURE_REVISIONS: Partial<Record<ModelKind, number>> = { bigbigan: 3 };

/** A short hash of a config: runs with equal configs share a folder, a changed setting gets a new one. */
export function configKey(config: TrainingConfig): string {
  const canonical = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
        )
      : v;
  const revision = ARCHITECTURE_REVISIONS[config.model];
  // Fields that came later hash, at their defaults, as the configs written before them did, so their runs keep
  // their folders: LATER_FIELD_DEFAULTS, LATER_ARCHITECTURE_DEFAULTS, bigbigan.encoder true, bigbigan.pairedInit
  // false.
  const { bigbigan, architecture, ...rest } = validateConfig(upgradeConfig(config));
  let settings: Record<string, unknown> | null = null;
  if (bigbigan) {
    const { encoder, pairedInit, ...others } = bigbigan;
    settings = { ...others, ...(!encoder && { encoder }), ...(pairedInit && { pairedInit }) };
  }
  const unlessDefault = (record: Record<string, unknown>, defaults: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(record).filter(([k, v]) => !(k in defaults) || defaults[k] !== v));
  const hashed = {
    ...unlessDefault(rest, LATER_FIELD_DEFAULTS),
    architecture: unlessDefault({ ...architecture }, LATER_ARCHITECTURE_DEFAULTS),
    bigbigan: settings,
  };
  const text = JSON.stringify(canonical(hashed)) + (revision === undefined ? '' : `#revision ${revision}`);
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}

export interface CachedRunOptions {
  /** Train again even if a finished run with this config exists. */
  retrain?: boolean;
  progress?: ProgressReporter;
  /** Parent folder of the runs (default runs/ in the project). */
  root?: string;
  /** Called after every step of a run that trains (not of a reused one): see {@link TrainOptions.afterStep}. */
  afterStep?: TrainOptions['afterStep'];
}

/**
 * Trains `config` in runs/<name>-<config hash>, unless that folder already holds the finished run, which is then
 * loaded instead: rerunning a notebook cell costs nothing, and a changed setting trains only the changed run.
 * An unfinished folder (an interrupted cell) is resumed. Calling it again with the same name frees the model
 * the previous call returned (a notebook cell rerun), so hold on to a model only until the next call.
 *
 * While it trains, an interrupt (a notebook's stop button, Ctrl-C) or TERM stops the run at its next step with a
 * checkpoint, and the call rejects with {@link TrainingStoppedError}: calling it again resumes the run.
 */
export async function trainCached(
  name: string,
  config: TrainingConfig,
  options: CachedRunOptions = {},
): Promise<TrainResult & { reused: boolean }> {
  // A notebook cell rerun asks for the same name again: the model it got last time is freed first, so reruns
  // do not pile up weights.
  modelsByName.get(name)?.dispose();
  modelsByName.delete(name);
  // The kernel ends an interrupted cell at once, while its run writes the checkpoint: a rerun at once waits for
  // that rather than finding the run folder locked by its own process.
  const dir = cachedRunDir(name, config, options.root);
  await inFlight.get(dir)?.catch(() => {});
  const pending = trainOrReuse(name, config, options);
  inFlight.set(dir, pending);
  try {
    const result = await pending;
    modelsByName.set(name, result.model);
    return result;
  } finally {
    if (inFlight.get(dir) === pending) inFlight.delete(dir);
  }
}

/** Each run folder this process is training into now. */
const inFlight = new Map<string, Promise<unknown>>();

/** The folder of a cached run: <root>/<name>-<config hash>, root defaulting to the runs folder. */
export function cachedRunDir(name: string, config: TrainingConfig, root = runsDir()): string {
  return path.join(root, `${name}-${configKey(config)}`);
}

/** The model each name last returned, for {@link trainCached} to free on the next call. */
const modelsByName = new Map<string, AdversarialModel>();

async function trainOrReuse(
  name: string,
  config: TrainingConfig,
  options: CachedRunOptions,
): Promise<TrainResult & { reused: boolean }> {
  const dir = cachedRunDir(name, config, options.root);
  if (options.retrain) fs.rmSync(dir, { recursive: true, force: true });
  if (fs.existsSync(path.join(dir, 'config.json'))) {
    const run = RunFolder.open(dir);
    const finished = run.finishedCheckpoint();
    if (finished) {
      const { model } = await loadRunModel(dir);
      options.progress?.message(`reusing the finished run in ${dir}`);
      // The checkpoint's own epoch records: a damaged history.json does not block the intact weights.
      const history = checkpointHistory(finished.dir) ?? run.readHistory();
      return { run, model, history, backend: await initBackend(), seconds: 0, stopped: false, reused: true };
    }
    return trainStoppable({ runDir: dir, resume: true, progress: options.progress, afterStep: options.afterStep });
  }
  return trainStoppable({ runDir: dir, config, progress: options.progress, afterStep: options.afterStep });
}

/** {@link train} that stops on an interrupt or TERM, checkpointed, and then rejects saying where it stopped. */
async function trainStoppable(options: TrainOptions): Promise<TrainResult & { reused: boolean }> {
  const result = await withStopOnSignals(
    (stop) => train({ ...options, stop }),
    (signal) =>
      console.log(`${signal}: stopping ${options.runDir} at its next step, with a checkpoint; run again to resume`),
  );
  if (result.stopped) {
    result.model.dispose();
    const last = result.run.checkpoints().pop();
    const where = !last
      ? 'before its first checkpoint'
      : last.stepInEpoch
        ? `${last.stepInEpoch} steps into epoch ${last.epoch + 1}`
        : `after epoch ${last.epoch}`;
    throw new TrainingStoppedError(result.run.dir, where);
  }
  return { ...result, reused: false };
}
