import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { makeConfig } from '../../lib/config/training-config.js';
import { RunFolder } from '../../lib/io/run-folder.js';
import { silentProgress } from '../../lib/training/progress.js';
import { train } from '../../lib/training/train.js';

/**
 * The full-disk test where no tmpfs can be mounted: every write into the second checkpoint fails with ENOSPC, as a
 * full file system fails it, and the same assertions hold.
 */
export async function simulateFullDisk(t: TestContext): Promise<void> {
  t.diagnostic('no mount rights: ENOSPC simulated on the second checkpoint');
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'full-disk-')), 'run');
  const original = fs.writeSync;
  const paths = new Map<number, string>();
  const open = fs.openSync;
  fs.openSync = ((file: fs.PathLike, ...rest: unknown[]) => {
    const fd = (open as (...a: unknown[]) => number)(file, ...rest);
    paths.set(fd, String(file));
    return fd;
  }) as typeof fs.openSync;
  fs.writeSync = ((fd: number, ...rest: unknown[]) => {
    if (/epoch-0002/.test(paths.get(fd) ?? ''))
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return (original as (...a: unknown[]) => number)(fd, ...rest);
  }) as typeof fs.writeSync;
  try {
    const config = makeConfig('quick', { epochs: 3 });
    await assert.rejects(
      train({ runDir: out, config, progress: silentProgress }),
      /no space left on the device writing .*checkpoints\/epoch-0002: it needs 4\.\d MiB, .* free there \(ENOSPC\); nothing written before was lost: the newest checkpoint, .*epoch-0001, is intact/,
    );
  } finally {
    fs.writeSync = original;
    fs.openSync = open;
  }
  const run = RunFolder.open(out);
  assert.deepEqual(
    run.checkpoints().map((c) => c.epoch),
    [1],
  );
  await train({ runDir: out, resume: true, progress: silentProgress });
  assert.equal(RunFolder.open(out).finishedCheckpoint()?.epoch, 3);
}
