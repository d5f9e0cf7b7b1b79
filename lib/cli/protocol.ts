import fs from 'node:fs';
import path from 'node:path';
import { initBackend } from '../backend/backend.js';
import { loadMnist } from '../data/mnist.js';
import {
  barLine,
  evaluateProtocol,
  laterEpochLines,
  officialLogLines,
  PROTOCOL_COLUMNS,
  protocolBars,
  protocolCells,
  type ProtocolResults,
  selectionLine,
} from '../experiments/official-protocol.js';
import { lockResults, resultsFile, writeResults } from '../experiments/results.js';
import { runsDir } from '../util/paths.js';
import { integerFlag } from './flags.js';
import { defineCommand } from './command.js';
import { columnsTable, markdownTable } from '../util/text-tables.js';

/** The table `protocol` prints: as columns of text, or (`markdown`) as a Markdown table for a README. */
export function protocolTable(results: ProtocolResults, markdown = false): string[] {
  const cells = protocolCells(results);
  const right = PROTOCOL_COLUMNS.map((_, i) => i === 1 || i >= 3);
  const table = (markdown ? markdownTable : columnsTable)(PROTOCOL_COLUMNS, cells, right);
  const chosen = selectionLine(results);
  const item = (line: string) => (markdown ? `- ${line}` : line);
  const notes = [...protocolBars(results).map(barLine), ...laterEpochLines(results), ...officialLogLines(results)].map(
    item,
  );
  return [results.protocol, '', ...table, ...(chosen ? ['', chosen] : []), ...(notes.length ? ['', ...notes] : [])];
}

/**
 * `bigan protocol [--runs DIR,DIR,...] [--epochs 0,50,100,...] [--results NAME]`: the official BiGAN protocol
 * over several seeds' runs: each checkpoint at the given epochs evaluated on the validation and the test split
 * (batch-norm statistics re-estimated as the runs' config asks), added to data/results/NAME.json (evaluations
 * already there are kept, so the command can be rerun as runs go on), with mean and 95% interval over seeds.
 */
export async function protocolCommand(flags: {
  runs?: string;
  epochs?: string;
  results?: string;
  markdown?: boolean;
}): Promise<number> {
  const name = flags.results ?? 'bigan-official';
  const file = resultsFile(name);
  const runs = flags.runs
    ? flags.runs.split(',').map((r) => path.resolve(r.trim()))
    : fs
        .readdirSync(runsDir())
        .filter((d) => /^bigan-official-s\d+$/.test(d))
        .map((d) => path.join(runsDir(), d));
  if (runs.length === 0) throw new Error('no runs: give --runs DIR,DIR,... (or train runs/bigan-official-sN first)');
  const epochs = (flags.epochs ?? '0,50,100,150,200,250,300,350,400')
    .split(',')
    .map((e) => integerFlag('epochs', e.trim(), { min: 0 })!);
  await initBackend();
  const release = lockResults(name);
  try {
    const earlier = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as ProtocolResults) : null;
    const results = await evaluateProtocol(runs, epochs, loadMnist(), earlier ? { ...earlier, name } : null, (line) =>
      console.log(line),
    );
    writeResults(name, { ...results, name });
    protocolTable(results, flags.markdown).forEach((line) => console.log(line));
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
  usage: `bigan protocol [--runs DIR,DIR,...] [--epochs 0,50,100,...,400] [--results NAME] [--markdown]

The official BiGAN protocol over seeds (default: runs/bigan-official-s*): every checkpoint kept at those epochs on
the validation split (what choices read) and the test split, batch-norm statistics re-estimated, added to
data/results/NAME.json (bigan-official) with mean and 95% interval over seeds and the validation-chosen
checkpoint. Epoch 0 is each run's initial weights (the official log's first line; never chosen). Below the table:
the bars, epoch 200 -> 400, and the runs beside the official log (1NN at initialisation, losses after 25, 200 and
400 epochs). Rerun it as the runs go on. --markdown prints the table as Markdown, for a README.`,
  options: {
    runs: { type: 'string' },
    epochs: { type: 'string' },
    results: { type: 'string' },
    markdown: { type: 'boolean', default: false },
  },
  run: (values) => protocolCommand(values),
});
