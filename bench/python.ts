import { spawnSync } from 'node:child_process';

/**
 * A Python interpreter that can import `module`, for the peers: $BIGAN_PYTHON, then Debian's /usr/bin/python3
 * (where apt installs python3-torch and python3-sklearn), then python3 on PATH. Null when none can.
 */
export function findPython(module: string, candidates = defaultCandidates()): string | null {
  return candidates.find((py) => spawnSync(py, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0) ?? null;
}

function defaultCandidates(): string[] {
  return [process.env.BIGAN_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => Boolean(c));
}
