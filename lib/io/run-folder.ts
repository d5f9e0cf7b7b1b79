import fs from 'node:fs';
import path from 'node:path';
import { type TrainingConfig, upgradeConfig, validateConfig } from '../config/training-config.js';
import { writeFileAtomic } from '../util/atomic.js';
import { readJsonFile, verifiedJson, withChecksum } from '../util/json-file.js';

function readJsonObject<T extends Record<string, unknown> | null>(
  file: string,
  fallback: T,
): Record<string, unknown> | T {
  const value = readJsonFile(file, fallback);
  if (value !== fallback && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new Error(`${file}: must hold a JSON object`);
  }
  return value as Record<string, unknown> | T;
}

/** One epoch's record in history.json. */
export interface EpochRecord {
  epoch: number;
  seconds: number;
  learningRate: number;
  /** Mean of each named loss over the epoch's steps. */
  losses: Record<string, number>;
}

/**
 * A run folder: config.json (the full validated config), history.json (one record per finished epoch),
 * metrics.json (written by `bigan eval`), checkpoints/epoch-NNNN/ (see io/checkpoint.ts), and for a run that
 * started from pretrained weights init.json (where they came from).
 */
export class RunFolder {
  private constructor(
    readonly dir: string,
    readonly config: TrainingConfig,
  ) {}

  get checkpointsDir(): string {
    return path.join(this.dir, 'checkpoints');
  }

  get historyFile(): string {
    return path.join(this.dir, 'history.json');
  }

  get metricsFile(): string {
    return path.join(this.dir, 'metrics.json');
  }

  get initFile(): string {
    return path.join(this.dir, 'init.json');
  }

  /** Where a fine-tuning run's starting weights came from, or null for a run that started from scratch. */
  readInit(): Record<string, unknown> | null {
    return readJsonObject(this.initFile, null);
  }

  writeInit(record: Record<string, unknown>): void {
    writeFileAtomic(this.initFile, JSON.stringify(record, null, 2));
  }

  /** Starts a new run; refuses a folder that already holds one, so that nothing is overwritten. */
  static create(dir: string, config: TrainingConfig): RunFolder {
    const configFile = path.join(dir, 'config.json');
    if (fs.existsSync(configFile))
      throw new Error(`${dir} already holds a run (config.json); resume it with --resume or choose another --out`);
    fs.mkdirSync(path.join(dir, 'checkpoints'), { recursive: true });
    writeFileAtomic(configFile, JSON.stringify(validateConfig(config), null, 2));
    return new RunFolder(dir, config);
  }

  /** Opens an existing run, checking its config. */
  static open(dir: string): RunFolder {
    const configFile = path.join(dir, 'config.json');
    if (!fs.existsSync(dir)) throw new Error(`${dir}: no such run folder`);
    if (!fs.existsSync(configFile)) throw new Error(`${dir} is not a run folder (no config.json)`);
    const raw = readJsonFile(configFile, undefined);
    try {
      return new RunFolder(dir, validateConfig(upgradeConfig(raw)));
    } catch (error) {
      throw new Error(`${configFile}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Deletes what a killed process left half-written: temporary checkpoint folders and files. */
  removeStaleTemporaries(): void {
    for (const dir of [this.dir, this.checkpointsDir]) {
      if (!fs.existsSync(dir)) continue;
      for (const name of fs.readdirSync(dir)) {
        if (/^\..*\.\d+\.tmp$/.test(name)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
      }
    }
  }

  /**
   * Checkpoint folders, oldest first: `epoch-NNNN` after an epoch, `epoch-NNNN-step-NNNNNN` when training stopped
   * that many steps into the next epoch (`epoch` counts the completed ones).
   */
  checkpoints(): { epoch: number; stepInEpoch: number; dir: string }[] {
    if (!fs.existsSync(this.checkpointsDir)) return [];
    return fs
      .readdirSync(this.checkpointsDir)
      .map((name) => /^epoch-(\d+)(?:-step-(\d+))?$/.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ epoch: Number(m[1]), stepInEpoch: Number(m[2] ?? 0), dir: path.join(this.checkpointsDir, m[0]) }))
      .sort((a, b) => a.epoch - b.epoch || a.stepInEpoch - b.stepInEpoch);
  }

  /** The checkpoint after the config's last epoch, when the run has finished. */
  finishedCheckpoint(): { epoch: number; stepInEpoch: number; dir: string } | undefined {
    return this.checkpoints().find((c) => c.epoch === this.config.epochs && c.stepInEpoch === 0);
  }

  checkpointDir(epoch: number, stepInEpoch = 0): string {
    const name = `epoch-${String(epoch).padStart(4, '0')}`;
    return path.join(this.checkpointsDir, stepInEpoch ? `${name}-step-${String(stepInEpoch).padStart(6, '0')}` : name);
  }

  /** Deletes all but the newest `keep` checkpoints, sparing end-of-epoch ones at multiples of `keepEvery`. */
  pruneCheckpoints(keep: number, keepEvery = 0): void {
    const all = this.checkpoints();
    const milestone = (c: { epoch: number; stepInEpoch: number }) =>
      keepEvery > 0 && c.epoch > 0 && c.epoch % keepEvery === 0 && c.stepInEpoch === 0;
    for (const old of all.slice(0, Math.max(0, all.length - keep)).filter((c) => !milestone(c)))
      fs.rmSync(old.dir, { recursive: true, force: true });
  }

  /** history.json's records; a damaged file is an error that names it and says how to rebuild it. */
  readHistory(): EpochRecord[] {
    const repair = `\`npx bigan repair --run ${this.dir}\` rewrites it from the newest checkpoint`;
    let history: unknown;
    try {
      history = readJsonFile(this.historyFile, []);
    } catch (error) {
      throw new Error(`${(error as Error).message}; ${repair}`, { cause: error });
    }
    // Written as { records, sha256 } since the checksum came; a bare list before.
    if (typeof history === 'object' && history !== null && !Array.isArray(history) && 'records' in history) {
      try {
        history = verifiedJson(this.historyFile, history).records;
      } catch (error) {
        throw new Error(`${(error as Error).message}; ${repair}`, { cause: error });
      }
    }
    const valid = (r: unknown): r is EpochRecord => {
      const record = r as EpochRecord | null;
      return (
        Number.isInteger(record?.epoch) && typeof record?.seconds === 'number' && typeof record?.losses === 'object'
      );
    };
    if (!Array.isArray(history) || !history.every(valid)) {
      throw new Error(
        `${this.historyFile}: must hold a list of epoch records ({ epoch, seconds, learningRate, losses }); ${repair}`,
      );
    }
    return history;
  }

  writeHistory(history: EpochRecord[]): void {
    writeFileAtomic(this.historyFile, JSON.stringify(withChecksum({ records: history })));
  }

  readMetrics(): Record<string, unknown> | null {
    const metrics = readJsonObject(this.metricsFile, null);
    return metrics && verifiedJson(this.metricsFile, metrics);
  }

  writeMetrics(metrics: Record<string, unknown>): void {
    writeFileAtomic(this.metricsFile, JSON.stringify(withChecksum(metrics), null, 2));
  }

  get ablationMetricsFile(): string {
    return path.join(this.dir, 'ablation-metrics.json');
  }

  /** Scores of an ablation run, keyed by the evaluation settings they were taken with. */
  readAblationMetrics(): Record<string, unknown> {
    return verifiedJson(this.ablationMetricsFile, readJsonObject(this.ablationMetricsFile, {}));
  }

  writeAblationMetrics(metrics: Record<string, unknown>): void {
    writeFileAtomic(this.ablationMetricsFile, JSON.stringify(withChecksum(metrics), null, 1));
  }
}
