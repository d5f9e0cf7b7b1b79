import fs from 'node:fs';
import path from 'node:path';
import { lockFile } from '../io/run-lock.js';
import { writeFileAtomic } from '../util/atomic.js';
import { projectFolder } from '../util/paths.js';

/** data/results/<name>.json (or under $BIGAN_RESULTS_DIR); the name may only hold letters, digits, '.', '_', '-'. */
export function resultsFile(name: string): string {
  if (!/^[\w.-]+$/.test(name))
    throw new Error(`results name '${name}' may only hold letters, digits, '.', '_' and '-'`);
  return path.join(projectFolder('BIGAN_RESULTS_DIR', 'data', 'results'), `${name}.json`);
}

/**
 * Makes this process the one writer of data/results/<name>.json until the returned release is called: a second
 * process collecting the same table is refused, naming the first, instead of the two racing to write it.
 */
export function lockResults(name: string): () => void {
  const file = resultsFile(name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return lockFile(`${file}.lock`);
}

/** Writes data/results/<name>.json atomically and returns its path. */
export function writeResults(name: string, record: object): string {
  const file = resultsFile(name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify(record, null, 1)}\n`);
  return file;
}
