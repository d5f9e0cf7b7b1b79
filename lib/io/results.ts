import fs from 'node:fs';
import path from 'node:path';
import type { RepresentationMetrics } from '../eval/evaluate.js';
import type { TrainingConfig } from '../training/config.js';
import { writeFileAtomic } from './atomic.js';
import { projectRoot } from './paths.js';
import type { EpochRecord } from './run-folder.js';

/** A finished long run's numbers, committed under data/results/ so that notebooks can show them without weights. */
export interface RunResults {
  name: string;
  config: TrainingConfig;
  /** Epochs trained when the metrics were taken. */
  epoch: number;
  trainingSeconds: number;
  metrics: RepresentationMetrics;
  /** Fraction of G(z, c) the classifier labels c (conditional models only). */
  classControl?: number;
  history: EpochRecord[];
  backend: string;
  recordedAt: string;
}

export function resultsFile(name: string): string {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`results name '${name}' may only hold letters, digits, '.', '_' and '-'`);
  return path.join(projectRoot(), 'data', 'results', `${name}.json`);
}

/** Writes data/results/<name>.json atomically and returns its path. */
export function writeResults(name: string, record: object): string {
  const file = resultsFile(name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify(record, null, 1)}\n`);
  return file;
}

export function saveResults(results: RunResults): string {
  return writeResults(results.name, results);
}

/** The committed results of `name`, or null when that run has not been recorded. */
export function readResults(name: string): RunResults | null {
  const file = resultsFile(name);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : null;
}
