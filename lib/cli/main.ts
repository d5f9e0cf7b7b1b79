import { STOPPED_EXIT_CODE, TrainingStoppedError } from '../training/stop-signals.js';
import { ablateCli } from './ablate.js';
import { classifierCli } from './classifier.js';
import type { Command } from './command.js';
import { curvesCli } from './curves.js';
import { evalCli } from './eval.js';
import { exploreCli } from './explore.js';
import { exportCli } from './export.js';
import { infoCli } from './info.js';
import { plotCli } from './plot.js';
import { protocolCli } from './protocol.js';
import { repairCli } from './repair.js';
import { stepProbeCli } from './throughput.js';
import { trainCli } from './train.js';
import { tsneCli } from './tsne.js';

/** Every command, in the order `bigan help` lists them: set-up, training, evaluation, figures. */
export const COMMANDS: readonly Command[] = [
  infoCli,
  trainCli,
  ablateCli,
  evalCli,
  protocolCli,
  curvesCli,
  exportCli,
  repairCli,
  classifierCli,
  plotCli,
  tsneCli,
  exploreCli,
  stepProbeCli,
];

const ENVIRONMENT = `environment:
  BIGAN_BACKEND    force a backend: tensorflow-gpu, tensorflow, wasm or cpu
  BIGAN_RESULTS_DIR, BIGAN_CLASSIFIER_DIR
                   read and write recorded results / the scoring classifier elsewhere than data/ (tests)`;

/** The command list: one line a command, then how to get a command's options. */
function overview(): string {
  const listed = COMMANDS.filter((c) => !c.hidden);
  const width = Math.max(...listed.map((c) => c.name.length)) + 3;
  const lines = listed.map((c) => `  ${c.name.padEnd(width)}${c.summary}`);
  const more = "'bigan help COMMAND' (or 'bigan COMMAND --help') prints a command's options and what they do.";
  return ['usage: bigan <command> [options]', '', 'commands:', ...lines, '', more, '', ENVIRONMENT].join('\n');
}

/** Runs one CLI command and returns the process exit code; errors are printed, never thrown. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' && rest[0] !== undefined ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    if (name === 'help' && rest[0] !== undefined && !topic) return unknown(rest[0]);
    console.log(topic ? topic.usage : overview());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) return unknown(name);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    console.error(`bigan ${name}: ${(error as Error).message}`);
    return error instanceof TrainingStoppedError ? STOPPED_EXIT_CODE : 1;
  }
}

function unknown(name: string): number {
  console.error(`bigan: unknown command '${name}'\n\n${overview()}`);
  return 2;
}
