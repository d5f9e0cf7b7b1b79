import { main } from '../../lib/cli/main.js';

/**
 * Runs the CLI in this process and returns its exit code with everything it printed; with `runsDir`, under that
 * runs folder (BIGAN_RUNS_DIR), restored afterwards.
 */
export async function cli(args: string[], runsDir?: string): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const saved = { log: console.log, error: console.error, runs: process.env.BIGAN_RUNS_DIR };
  console.log = (...parts: unknown[]) => lines.push(parts.join(' '));
  console.error = console.log;
  if (runsDir !== undefined) process.env.BIGAN_RUNS_DIR = runsDir;
  try {
    return { code: await main(args), output: lines.join('\n') };
  } finally {
    Object.assign(console, { log: saved.log, error: saved.error });
    if (saved.runs === undefined) delete process.env.BIGAN_RUNS_DIR;
    else process.env.BIGAN_RUNS_DIR = saved.runs;
  }
}
