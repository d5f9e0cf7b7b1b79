import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes a file so that readers see the old content or the new, never a torn one: a temporary file in the same
 * folder, flushed to disk, then renamed over the target.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    if (DiskFullError.is(error)) throw new DiskFullError(file, bytes.length, error as Error);
    throw error;
  }
}

/**
 * A write that found the disk (or the user's quota) full. The target was not touched: the temporary file is
 * deleted, and whatever `file` held before is still there.
 */
export class DiskFullError extends Error {
  /** Bytes free on the file's file system when the write failed; null where it cannot be asked. */
  readonly freeBytes: number | null;

  constructor(
    readonly file: string,
    readonly neededBytes: number,
    cause: Error,
    /** What the caller knows: what is still intact, and how to go on once space is freed. */
    advice = '',
  ) {
    const free = freeBytes(path.dirname(file));
    let root: unknown = cause;
    while (root instanceof DiskFullError) root = root.cause;
    const code = (root as NodeJS.ErrnoException).code;
    super(
      `no space left on the device writing ${file}: it needs ${formatBytes(neededBytes)}, ` +
        `${free === null ? 'an unknown amount is' : `${formatBytes(free)} ${free === 1 ? 'is' : 'are'}`} free there ` +
        `(${String(code)})${advice ? `; ${advice}` : ''}`,
      { cause },
    );
    this.name = 'DiskFullError';
    this.freeBytes = free;
  }

  static is(error: unknown): boolean {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    return error instanceof DiskFullError || code === 'ENOSPC' || code === 'EDQUOT';
  }
}

function freeBytes(dir: string): number | null {
  // The folder may be a temporary one already removed: ask its nearest existing ancestor.
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  try {
    const stats = fs.statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return null;
  }
}

function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1 << 10 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

/**
 * Fills a temporary sibling folder with `fill`, then renames it to `dir`. `dir` must not exist yet unless
 * `replace`: then the old folder is moved aside only once the new one is complete, so an interrupted write leaves
 * the old folder (or, between the two renames, its moved-aside copy) intact.
 */
export function writeFolderAtomic(dir: string, fill: (tmp: string) => void, options: { replace?: boolean } = {}): void {
  const tmp = path.join(path.dirname(dir), `.${path.basename(dir)}.${process.pid}.tmp`);
  const old = path.join(path.dirname(dir), `.${path.basename(dir)}.${process.pid}.old`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    fill(tmp);
    if (options.replace && fs.existsSync(dir)) fs.renameSync(dir, old);
    fs.renameSync(tmp, dir);
  } catch (error) {
    fs.rmSync(tmp, { recursive: true, force: true });
    // Named as the folder's file it was to become, not as the temporary that is gone now.
    if (error instanceof DiskFullError)
      throw new DiskFullError(path.join(dir, path.relative(tmp, error.file)), error.neededBytes, error);
    throw error;
  }
  fs.rmSync(old, { recursive: true, force: true });
}
