import { STOPPED_EXIT_CODE } from '../training/stop-signals.js';
import { type PoolTask, poolSummary, runPool } from '../util/job-pool.js';

/**
 * Runs a sweep's tasks as a local job pool, reporting on stderr, and returns the command's exit code: 0 when every
 * task finished, STOPPED_EXIT_CODE when the sweep was stopped (the same command resumes it), 1 when a task failed.
 */
export async function runSweep(
  tasks: PoolTask[],
  layout: { jobs: number; threads: number },
  where: string,
): Promise<number> {
  console.error(`${tasks.length} tasks, ${layout.jobs} at a time, ${layout.threads || 'all'} thread(s) each; ${where}`);
  const results = await runPool(tasks, {
    jobs: layout.jobs,
    threadsPerJob: layout.threads,
    stoppedExitCode: STOPPED_EXIT_CODE,
    onProgress: (line) => console.error(line),
  });
  for (const line of poolSummary(results)) console.error(line);
  if (results.every((r) => r.outcome === 'done')) return 0;
  return results.some((r) => r.outcome === 'failed') ? 1 : STOPPED_EXIT_CODE;
}
