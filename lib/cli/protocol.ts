import fs from 'node:fs';
import path from 'node:path';
import { initBackend } from '../backend/backend.js';
import { loadMnist } from '../data/mnist.js';
import {
  evaluateProtocol,
  type ProtocolResults,
  representationName,
  summaryCell,
} from '../experiments/official-protocol.js';
import { lockResults, resultsFile, writeResults } from '../experiments/results.js';
import { runsDir } from '../util/paths.js';
import { integerFlag } from './flags.js';
import { defineCommand } from './command.js';
import { percent } from '../util/format.js';

/** The table `protocol` prints: per epoch and split, mean ± 95% interval over seeds, beside the published points. */
export function protocolTable(results: ProtocolResults): string[] {
  const lines = [`${results.protocol}`, '', 'epoch  split       seeds  1NN on E(x)         penultimate layer'];
  const epochs = [...new Set(results.summary.map((s) => s.epoch))];
  for (const epoch of epochs) {
    for (const split of ['validation', 'test'] as const) {
      const cell = (representation: 'knnLatent' | 'knnFeatures') => {
        const s = results.summary.find(
          (x) => x.epoch === epoch && x.split === split && x.representation === representation,
        );
        if (!s) return '';
        return summaryCell(s).padEnd(20);
      };
      const seeds = results.summary.find((x) => x.epoch === epoch && x.split === split)?.seeds.length;
      if (seeds)
        lines.push(
          `${String(epoch).padStart(5)}  ${split.padEnd(10)}  ${String(seeds).padStart(5)}  ${cell('knnLatent')}${cell('knnFeatures')}`,
        );
    }
  }
  lines.push('');
  for (const p of results.published)
    lines.push(
      `official code (published, one run), epoch ${p.epoch}, validation: ${representationName(p.representation)} ${percent(p.accuracy)}`,
    );
  for (const [split, value] of Object.entries(results.pixels)) lines.push(`raw pixels, ${split}: ${percent(value)}`);
  const chosen = results.selection;
  if (chosen) {
    lines.push(
      `chosen on validation: seed ${chosen.seed}, epoch ${chosen.epoch} (E(x) ${percent(chosen.validation.knnLatent)})` +
        (chosen.test
          ? `; its test numbers, reported once: E(x) ${percent(chosen.test.knnLatent)}, penultimate ${percent(chosen.test.knnFeatures)}`
          : ''),
    );
  }
  return lines;
}

/**
 * `bigan protocol [--runs DIR,DIR,...] [--epochs 50,100,150,200] [--results NAME]`: the official BiGAN protocol
 * over several seeds' runs: each checkpoint at the given epochs evaluated on the validation and the test split
 * (batch-norm statistics re-estimated as the runs' config asks), added to data/results/NAME.json (evaluations
 * already there are kept, so the command can be rerun as runs go on), with mean and 95% interval over seeds.
 */
export async function protocolCommand(flags: { runs?: string; epochs?: string; results?: string }): Promise<number> {
  const name = flags.results ?? 'bigan-official';
  const file = resultsFile(name);
  const runs = flags.runs
    ? flags.runs.split(',').map((r) => path.resolve(r.trim()))
    : fs
        .readdirSync(runsDir())
        .filter((d) => /^bigan-official-s\d+$/.test(d))
        .map((d) => path.join(runsDir(), d));
  if (runs.length === 0) throw new Error('no runs: give --runs DIR,DIR,... (or train runs/bigan-official-sN first)');
  const epochs = (flags.epochs ?? '50,100,150,200,250,300,350,400')
    .split(',')
    .map((e) => integerFlag('epochs', e.trim(), { min: 1 })!);
  await initBackend();
  const release = lockResults(name);
  try {
    const earlier = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as ProtocolResults) : null;
    const results = await evaluateProtocol(runs, epochs, loadMnist(), earlier ? { ...earlier, name } : null, (line) =>
      console.log(line),
    );
    writeResults(name, { ...results, name });
    protocolTable(results).forEach((line) => console.log(line));
    console.log(`written to ${file}`);
  } finally {
    release();
  }
  return 0;
}

/** `bigan protocol`. */
export const protocolCli = defineCommand({
  name: 'protocol',
  summary: 'the official BiGAN protocol over seeds: every kept checkpoint on the validation and test splits',
  usage: `bigan protocol [--runs DIR,DIR,...] [--epochs 50,100,150,200] [--results NAME]

The official BiGAN protocol over seeds (default: runs/bigan-official-s*): every checkpoint kept at those epochs on
the validation split (what choices read) and the test split, batch-norm statistics re-estimated, added to
data/results/NAME.json (bigan-official) with mean and 95% interval over seeds and the validation-chosen
checkpoint. Rerun it as the runs go on.`,
  options: { runs: { type: 'string' }, epochs: { type: 'string' }, results: { type: 'string' } },
  run: (values) => protocolCommand(values),
});
