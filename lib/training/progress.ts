/** Where a training run reports how far it is. */
export interface ProgressReporter {
  step(epoch: number, epochs: number, step: number, steps: number, losses: Record<string, number>): void;
  epochEnd(epoch: number, epochs: number, seconds: number, losses: Record<string, number>): void;
  message(text: string): void;
}

function formatLosses(losses: Record<string, number>): string {
  return Object.entries(losses)
    .filter(([k]) => !k.endsWith('total'))
    .map(([k, v]) => `${k.split('/').pop()} ${v.toFixed(3)}`)
    .join('  ');
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s).padStart(2, '0')}s`;
}

/**
 * A terminal's stderr, where a redrawn bar does not mix with a command's results; stdout elsewhere: a notebook shows
 * stderr as an error block.
 */
function defaultStream(): NodeJS.WriteStream {
  return process.stderr.isTTY ? process.stderr : process.stdout;
}

/**
 * Progress for a terminal or a notebook. On a terminal one line redraws in place: a bar, the step, the ETA of the
 * whole run and the latest losses. Elsewhere (a notebook, a log file) it writes one short line per epoch.
 */
export function consoleProgress(stream: NodeJS.WriteStream = defaultStream()): ProgressReporter {
  const live = Boolean(stream.isTTY);
  const started = Date.now();
  let stepsDone = 0;
  let lastDraw = 0;
  return {
    step(epoch, epochs, step, steps, losses) {
      stepsDone++;
      if (!live || Date.now() - lastDraw < 200) return;
      lastDraw = Date.now();
      const fraction = (epoch * steps + step) / (epochs * steps);
      const elapsed = (Date.now() - started) / 1000;
      const remaining = (elapsed / stepsDone) * (epochs * steps - (epoch * steps + step));
      const width = 20;
      const bar = '#'.repeat(Math.round(fraction * width)).padEnd(width, '.');
      stream.write(
        `\r[${bar}] epoch ${epoch + 1}/${epochs} step ${step}/${steps} ETA ${formatDuration(remaining)}  ${formatLosses(losses)}\x1b[K`,
      );
    },
    epochEnd(epoch, epochs, seconds, losses) {
      const text = `epoch ${epoch + 1}/${epochs}  ${seconds.toFixed(1)} s  ${formatLosses(losses)}`;
      stream.write(live ? `\r${text}\x1b[K\n` : `${text}\n`);
    },
    message(text) {
      stream.write(live ? `\r${text}\x1b[K\n` : `${text}\n`);
    },
  };
}

/** Reports nothing: for tests and library calls that want silence. */
export const silentProgress: ProgressReporter = { step() {}, epochEnd() {}, message() {} };
