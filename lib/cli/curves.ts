import { collectCurves, formatCurvePoint } from '../experiments/learning-curve.js';
import { resultsFile, writeResults } from '../experiments/results.js';
import { defineCommand } from './command.js';

/**
 * `bigan curves --run LABEL=DIR ... [--results NAME]`: prints the learning curves that runs recorded while training
 * (`bigan ablate --curve-every N`) and records them, labelled, in data/results/NAME.json for notebook 03.
 */
export function curvesCommand(flags: { run?: string[]; results?: string }): number {
  const runs = (flags.run ?? []).map((value) => {
    const at = value.indexOf('=');
    if (at <= 0 || at === value.length - 1) throw new Error(`--run: expected LABEL=DIR, got '${value}'`);
    return { label: value.slice(0, at), dir: value.slice(at + 1) };
  });
  if (runs.length === 0) throw new Error('--run LABEL=DIR: at least one run is needed');
  if (flags.results) resultsFile(flags.results);
  const set = collectCurves(flags.results ?? 'curves', runs);
  for (const curve of set.curves) {
    console.log(`${curve.label} (${curve.runDir}):`);
    for (const point of curve.points) console.log(`  ${formatCurvePoint(point)}`);
  }
  if (flags.results) console.log(`curves written to ${writeResults(flags.results, set)}`);
  return 0;
}

/** `bigan curves`. */
export const curvesCli = defineCommand({
  name: 'curves',
  summary: 'the learning curves that runs recorded while training, printed and recorded for notebook 03',
  usage: `bigan curves --run LABEL=DIR [--run LABEL=DIR ...] [--results NAME]

The learning curves runs recorded (ablate --curve-every), printed, and recorded labelled in data/results/NAME.json
(notebook 03 draws bigbigan-curves).`,
  options: { run: { type: 'string', multiple: true }, results: { type: 'string' } },
  run: (values) => curvesCommand(values),
});
