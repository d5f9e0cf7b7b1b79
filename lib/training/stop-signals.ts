/** The signals that ask a training run to stop at its next step: Ctrl-C or a notebook's interrupt, a pool or
 * a scheduler's TERM, and Slurm's warning (USR1). */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGUSR1'] as const;

/** The exit code of a run that stopped on a signal after writing a checkpoint: resume it to continue (EX_TEMPFAIL). */
export const STOPPED_EXIT_CODE = 75;

/** A run stopped on request: a checkpoint holds where it was, and training the same run again resumes it. */
export class TrainingStoppedError extends Error {
  constructor(
    readonly runDir: string,
    readonly where: string,
  ) {
    super(`training stopped on request ${where}, with a checkpoint in ${runDir}; run it again to resume from there`);
    this.name = 'TrainingStoppedError';
    // One line in a notebook's output: where it stopped and what to do, not this library's call stack.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/**
 * Listens for the stop signals while `work` runs, and sets the token it is given when one arrives. While a
 * listener is installed a signal no longer ends the process (or, in the tslab kernel, no longer leaves the
 * training running behind a finished cell): the loop sees the token at its next step, writes a checkpoint and
 * returns. `announce` says so at once, in the output of the cell or command being interrupted.
 */
export async function withStopOnSignals<T>(
  work: (stop: { requested: boolean }) => Promise<T>,
  announce: (signal: NodeJS.Signals) => void = () => {},
): Promise<T> {
  const stop = { requested: false };
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stop.requested) announce(signal);
    stop.requested = true;
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  try {
    return await work(stop);
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
}
