import { checkpointHistory } from '../io/checkpoint.js';
import { RunFolder } from '../io/run-folder.js';
import { lockRunFolder } from '../io/run-lock.js';
import { defineCommand, required } from './command.js';

/**
 * `bigan repair --run DIR`: rewrites history.json from the records the newest checkpoint holds (a damaged or
 * deleted history.json; the epochs after that checkpoint are trained again on resume anyway).
 */
export function repairCommand(flags: { run: string }): number {
  const run = RunFolder.open(flags.run);
  const release = lockRunFolder(run.dir);
  try {
    const latest = run.checkpoints().pop();
    if (!latest) throw new Error(`${run.dir} has no checkpoint to rebuild history.json from`);
    const history = checkpointHistory(latest.dir);
    if (!history)
      throw new Error(`${latest.dir} predates checkpoints that hold the epoch records; history.json cannot be rebuilt`);
    run.writeHistory(history);
    console.log(`${run.historyFile}: rewritten from ${latest.dir} (${history.length} epochs)`);
    return 0;
  } finally {
    release();
  }
}

/** `bigan repair`. */
export const repairCli = defineCommand({
  name: 'repair',
  summary: "rewrites a run's history.json from its newest checkpoint",
  usage: `bigan repair --run DIR

Rewrites DIR/history.json from the epoch records of the newest checkpoint.`,
  options: { run: { type: 'string' } },
  run: (values) => repairCommand({ run: required('run', values.run) }),
});
