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
      `${path.basename(file) === 'run.lock' ? path.dirname(file) : file.replace(/\.lock$/, '')} is being written by process ${owner.pid} on ${owner.host} (since ${owner.since}): ` +
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
  return lockFile(path.join(dir, 'run.lock'));
}

/**
 * The lock {@link lockRunFolder} takes, on any file: `file` is created exclusively and names its owner. Taking over
 * a dead owner's lock is itself done under a second exclusive file, `file.takeover`: without it two processes that
 * both found the same stale lock could each delete it and each create their own (the second deleting the first's
 * fresh lock). The taker that holds `file.takeover` reads the lock again before replacing it, so it replaces only
 * the stale lock it judged, never a live one created meanwhile.
 */
export function lockFile(file: string): () => void {
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  const text = JSON.stringify(owner);
  const create = () => {
    try {
      fs.writeFileSync(file, text, { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return false;
    }
  };
  for (let attempt = 1; !create(); attempt++) {
    const holder = readOwner(file);
    if (holder && (holder.host !== owner.host || alive(holder.pid))) throw new RunLockedError(file, holder);
    // An empty lock may be one that its live creator has not filled yet: stale only once it has stayed empty.
    if (!holder && Date.now() - mtime(file) < 2000) {
      pause(20);
      continue;
    }
    if (attempt > 200) throw new Error(`${file}: could not take over this stale lock; delete it and try again`);
    takeOverStale(file, holder);
  }
  const release = () => {
    if (readOwner(file)?.pid === owner.pid) fs.rmSync(file, { force: true });
    process.off('exit', release);
  };
  process.on('exit', release);
  return release;
}

/**
 * Deletes `file` if it still holds the stale lock `judged` (null: one unreadable, whose writer died between
 * creating and filling it), under the exclusive `file.takeover`. A taker that finds `file.takeover` held waits
 * briefly and lets the caller try again; a takeover file whose own process is gone is removed.
 */
function takeOverStale(file: string, judged: LockOwner | null): void {
  const takeover = `${file}.takeover`;
  try {
    fs.writeFileSync(takeover, JSON.stringify({ pid: process.pid, host: os.hostname() }), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const taker = readOwner(takeover);
    if (taker && taker.host === os.hostname() && !alive(taker.pid)) fs.rmSync(takeover, { force: true });
    else pause(5);
    return;
  }
  try {
    const now = readOwner(file);
    const same = JSON.stringify(now) === JSON.stringify(judged);
    if (same && fs.existsSync(file)) fs.rmSync(file, { force: true });
  } finally {
    fs.rmSync(takeover, { force: true });
  }
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function mtime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}
