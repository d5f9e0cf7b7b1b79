import { exportPretrained, listPretrained, repackPretrained } from '../experiments/pretrained.js';
import { RunFolder } from '../io/run-folder.js';
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
  repack?: string;
}): Promise<number> {
  if (flags.repack) {
    const names = flags.repack === 'all' ? listPretrained() : flags.repack.split(',');
    for (const name of names) {
      const manifest = await repackPretrained(name);
      console.log(
        `data/pretrained/${name}: stock layers, version ${manifest.version}; 1NN check ${percent(manifest.check.knnLatent)}`,
      );
    }
    return 0;
  }
  if (!flags.run || !flags.name) throw new Error('--run DIR and --name NAME are required (or --repack NAME|all)');
  const run = RunFolder.open(flags.run);
  const epoch = integerFlag('epoch', flags.epoch, { min: 1 }) ?? run.checkpoints().pop()?.epoch;
  const evaluated = run.readMetrics();
  const metrics =
    evaluated && evaluated.epoch === epoch
      ? Object.fromEntries(
          Object.entries(evaluated).filter((e): e is [string, number] => typeof e[1] === 'number' && e[0] !== 'epoch'),
        )
      : {};
  const manifest = await exportPretrained(flags.run, flags.name, { epoch, metrics });
  const name = flags.name;
  console.log(
    `data/pretrained/${name}: ${manifest.config.model} at epoch ${manifest.epoch}; 1NN on E(x) with the float16 ` +
      `weights, 60,000 -> ${manifest.check.testCount}: ${percent(manifest.check.knnLatent)}` +
      (Object.keys(metrics).length ? '' : ' (no `bigan eval` of this epoch to record beside it)'),
  );
  return 0;
}

/** `bigan export`. */
export const exportCli = defineCommand({
  name: 'export',
  summary: "a run's E and G as float16 TensorFlow.js layers models in data/pretrained/",
  usage: `bigan export --run DIR --name NAME [--epoch N]
bigan export --repack NAME,...|all

E and G of the run's newest checkpoint (or epoch N) as float16 TensorFlow.js layers models in data/pretrained/NAME/,
built from stock layers only (any TensorFlow.js loads them with tf.loadLayersModel), with a manifest (config, epoch,
metrics, SHA-256 of every file). --repack rewrites shipped models in this format from their own files.`,
  options: {
    run: { type: 'string' },
    name: { type: 'string' },
    epoch: { type: 'string' },
    repack: { type: 'string' },
  },
  run: (values) => exportCommand(values),
});
