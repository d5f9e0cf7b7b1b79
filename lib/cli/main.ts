import { parseArgs } from 'node:util';
import { info } from './info.js';

const USAGE = `usage: bigan <command> [options]

commands:
  info [--json]    backend, versions, cores and the MNIST files' checks

environment:
  BIGAN_BACKEND    force a backend: tensorflow-gpu, tensorflow, wasm or cpu`;

/** Runs one CLI command and returns the process exit code; errors are printed, never thrown. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'info': {
        const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean', default: false } } });
        return await info({ json: values.json ?? false });
      }
      case undefined:
      case 'help':
      case '--help':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        console.error(`bigan: unknown command '${command}'\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    console.error(`bigan ${command}: ${(error as Error).message}`);
    return 1;
  }
}
