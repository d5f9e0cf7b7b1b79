import { exportPretrained } from '../experiments/pretrained.js';
import { RunFolder } from '../io/run-folder.js';
import { integerFlag } from './flags.js';

/**
 * `bigan export --run DIR --name NAME [--epoch N]`: ships E and G of a run as data/pretrained/NAME/. The run's
 * metrics.json (from `bigan eval`) goes into the manifest when it was taken at the epoch exported.
 */
export async function exportCommand(flags: { run: string; name: string; epoch?: string }): Promise<number> {
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
  console.log(
    `data/pretrained/${flags.name}: ${manifest.config.model} at epoch ${manifest.epoch}; 1NN on E(x) with the float16 ` +
      `weights, 60,000 -> ${manifest.check.testCount}: ${(manifest.check.knnLatent * 100).toFixed(2)}%` +
      (Object.keys(metrics).length ? '' : ' (no `bigan eval` of this epoch to record beside it)'),
  );
  return 0;
}
