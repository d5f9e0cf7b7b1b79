import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What a lock file holds: who writes the run folder. */
interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

/** A run folder that another live process is writing; the message names it and says what to do. */
export class RunLockedError extends Error {
  constructor(
    readonly file: string,
    readonly owner: LockOwner,
  ) {
    super(
      `${path.dirname(file)} is being written by process ${owner.pid} on ${owner.host} (since ${owner.since}): ` +
        `wait for it to finish or stop it; if that process is gone, delete ${file}`,
    );
    this.name = 'RunLockedError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): LockOwner | null {
  try {
    const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
    return Number.isInteger(owner.pid) && typeof owner.host === 'string' ? owner : null;
  } catch {
    return null;
  }
}

/**
 * Makes this process the one writer of `dir`: creates `dir/run.lock` exclusively, holding the process id and host.
 * A lock of a live process is refused with {@link RunLockedError}; a lock left by a process of this host that is
 * gone (killed, crashed) is taken over. A lock from another host cannot be checked and is refused too: on shared
 * storage its process may be running. Returns the function that releases the lock (also run at process exit).
 */
export function lockRunFolder(dir: string): () => void {
  const file = path.join(dir, 'run.lock');
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  for (let attempt = 1; ; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(owner), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt === 3) throw error;
      const holder = readOwner(file);
      // An unreadable lock is one whose writer died between creating and filling it.
      if (holder && (holder.host !== owner.host || alive(holder.pid))) throw new RunLockedError(file, holder);
      fs.rmSync(file, { force: true });
    }
  }
  const release = () => {
    if (readOwner(file)?.pid === owner.pid) fs.rmSync(file, { force: true });
    process.off('exit', release);
  };
  process.on('exit', release);
  return release;
}
