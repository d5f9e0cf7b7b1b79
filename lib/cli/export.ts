import fs from 'node:fs';
import path from 'node:path';
import { readProtocolResults } from '../experiments/official-protocol.js';
import { exportPretrained, listPretrained, pretrainedFolder, repackPretrained } from '../experiments/pretrained.js';
import { resultsFile } from '../experiments/results-files.js';
import { RunFolder } from '../io/run-folder.js';
import { runsDir } from '../util/paths.js';
import { integerFlag } from './flags.js';
import { defineCommand } from './command.js';
import { percent } from '../util/format.js';

/**
 * `bigan export --run DIR --name NAME [--epoch N]`: ships E and G of a run as data/pretrained/NAME/. The run's
 * metrics.json (from `bigan eval`) goes into the manifest when it was taken at the epoch exported.
 * `bigan export --repack NAME|all`: rewrites shipped models in the current format from their own files.
 */
export async function exportCommand(flags: {
  run?: string;
  name?: string;
  epoch?: string;
  protocol?: string;
  repack?: string;
}): Promise<number> {
  if (flags.repack) {
    const names = flags.repack === 'all' ? listPretrained() : flags.repack.split(',');
    for (const name of names) {
      const manifest = await repackPretrained(name);
      console.log(
        `${shownFolder(name)}: stock layers, version ${manifest.version}; 1NN check ${percent(manifest.check.knnLatent)}`,
      );
    }
    return 0;
  }
  if (!flags.name) throw new Error('--name NAME is required (or --repack NAME|all)');
  const { dir, epoch, metrics } = flags.protocol
    ? protocolChoice(flags.protocol, flags)
    : runCheckpoint(flags.run, flags.epoch);
  const manifest = await exportPretrained(dir, flags.name, { epoch, metrics });
  const name = flags.name;
  console.log(
    `${shownFolder(name)}: ${manifest.config.model} at epoch ${manifest.epoch}; 1NN on E(x) with the float16 ` +
      `weights, ${manifest.check.split} split (its first ${manifest.check.queries.toLocaleString('en')} digits): ${percent(manifest.check.knnLatent)}` +
      (Object.keys(metrics).length ? '' : ' (no `bigan eval` of this epoch to record beside it)'),
  );
  return 0;
}

/** The checkpoint `--run DIR [--epoch N]` names, with the run's `bigan eval` metrics when taken at that epoch. */
function runCheckpoint(
  dir: string | undefined,
  epochFlag: string | undefined,
): { dir: string; epoch: number | undefined; metrics: Record<string, number> } {
  if (!dir) throw new Error('--run DIR (or --protocol NAME) is required');
  const run = RunFolder.open(dir);
  const epoch = integerFlag('epoch', epochFlag, { min: 1 }) ?? run.checkpoints().pop()?.epoch;
  const evaluated = run.readMetrics();
  const metrics =
    evaluated && evaluated.epoch === epoch
      ? Object.fromEntries(
          Object.entries(evaluated).filter((e): e is [string, number] => typeof e[1] === 'number' && e[0] !== 'epoch'),
        )
      : {};
  return { dir, epoch, metrics };
}

/**
 * `--protocol NAME`: the checkpoint `bigan protocol` chose on the validation split, with its numbers on both
 * splits (the test ones as reported once, for this checkpoint). The run folder is looked for where the table says,
 * then under this checkout's runs folder, so a table made in another checkout still finds it.
 */
function protocolChoice(
  name: string,
  flags: { run?: string; epoch?: string },
): { dir: string; epoch: number; metrics: Record<string, number> } {
  if (flags.run || flags.epoch) throw new Error('--protocol chooses the run and epoch: drop --run and --epoch');
  const results = readProtocolResults(name);
  const chosen = results?.selection;
  if (!chosen) throw new Error(`${resultsFile(name)}: no checkpoint chosen on validation yet; run npx bigan protocol`);
  if (!chosen.test) throw new Error(`${resultsFile(name)}: the chosen checkpoint has no test evaluation`);
  const dir = [chosen.run, path.join(runsDir(), path.basename(chosen.run))].find((d) =>
    fs.existsSync(path.join(d, 'config.json')),
  );
  if (!dir) throw new Error(`${resultsFile(name)} chose ${chosen.run}, which is not here (nor under ${runsDir()})`);
  return {
    dir,
    epoch: chosen.epoch,
    metrics: {
      knnLatent: chosen.test.knnLatent,
      knnFeatures: chosen.test.knnFeatures,
      validationKnnLatent: chosen.validation.knnLatent,
      validationKnnFeatures: chosen.validation.knnFeatures,
    },
  };
}

/** `bigan export`. */
export const exportCli = defineCommand({
  name: 'export',
  summary: "a run's E and G as float16 TensorFlow.js layers models in data/pretrained/",
  usage: `bigan export --run DIR --name NAME [--epoch N]
bigan export --protocol NAME --name NAME
bigan export --repack NAME,...|all

E and G of the run's newest checkpoint (or epoch N) as float16 TensorFlow.js layers models in data/pretrained/NAME/,
built from stock layers only (any TensorFlow.js loads them with tf.loadLayersModel), with a manifest (config, epoch,
metrics, SHA-256 of every file). --protocol NAME ships the checkpoint that data/results/NAME.json (from
\`bigan protocol\`) chose on the validation split, with its numbers on both splits. --repack rewrites shipped models
in this format from their own files.`,
  options: {
    run: { type: 'string' },
    name: { type: 'string' },
    epoch: { type: 'string' },
    protocol: { type: 'string' },
    repack: { type: 'string' },
  },
  run: (values) => exportCommand(values),
});

/** Where the model went, as the user would type it: data/pretrained/NAME, or under $BIGAN_PRETRAINED_DIR. */
function shownFolder(name: string): string {
  const folder = pretrainedFolder(name);
  const relative = path.relative(process.cwd(), folder);
  return relative.startsWith('..') || path.isAbsolute(relative) ? folder : relative;
}
