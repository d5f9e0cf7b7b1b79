import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { RunFolder } from '../lib/io/run-folder.js';

const cli = path.resolve('bin/bigan.js');
const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** A process id that was alive a moment ago and is not any more: the owner of a stale lock. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(child.stdout.trim());
}

/**
 * `count` processes that wait for the same instant, then each try to take the lock of `dir`; a winner holds it for
 * a second, so that the others, if they look again, find a live owner. Returns what each printed.
 */
async function race(dir: string, count: number): Promise<string[]> {
  const at = Date.now() + 1500;
  const script = `
    import { lockRunFolder, RunLockedError } from './lib/io/run-lock.ts';
    while (Date.now() < ${at}) {}
    try { lockRunFolder(${JSON.stringify(dir)}); console.log('won'); setTimeout(() => {}, 1000); }
    catch (error) { console.log(error instanceof RunLockedError ? 'refused' : 'error ' + error.message); }`;
  const outputs = Array.from(
    { length: count },
    () =>
      new Promise<string>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('exit', () => resolve(out.trim()));
      }),
  );
  return Promise.all(outputs);
}

test('processes racing to take over one stale lock: exactly one wins, every time', async () => {
  for (let round = 0; round < 4; round++) {
    const dir = tmp('lock-race-');
    fs.writeFileSync(
      path.join(dir, 'run.lock'),
      JSON.stringify({ pid: deadPid(), host: os.hostname(), since: 'before' }),
    );
    const outcomes = await race(dir, 6);
    assert.equal(outcomes.filter((o) => o === 'won').length, 1, `round ${round}: ${outcomes.join(', ')}`);
    assert.equal(outcomes.filter((o) => o === 'refused').length, 5, `round ${round}: ${outcomes.join(', ')}`);
    assert.ok(!fs.existsSync(path.join(dir, 'run.lock.takeover')), 'the takeover file is gone');
  }
});

/**
 * A file system that holds one checkpoint of the quick BiGAN (4.3 MiB) and not two: a tmpfs where this process may
 * mount one (root), else null.
 */
function smallDisk(): { dir: string; grow: () => void; remove: () => void } | null {
  const dir = tmp('full-disk-');
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', dir]);
  if (mounted.status !== 0) return null;
  return {
    dir,
    grow: () => assert.equal(spawnSync('mount', ['-o', 'remount,size=64m', dir]).status, 0),
    remove: () => spawnSync('umount', [dir]),
  };
}

test('a full disk: the error names the file, the bytes needed and free, keeps earlier checkpoints, and resume works', async (t) => {
  const disk = smallDisk();
  if (!disk) {
    // Without mount rights the same path is driven by a simulated ENOSPC on the second checkpoint's write.
    const { simulateFullDisk } = await import('./support/full-disk.js');
    return simulateFullDisk(t);
  }
  try {
    const out = path.join(disk.dir, 'run');
    const args = ['train', '--preset', 'quick', '--epochs', '3', '--out', out];
    const full = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
    assert.equal(full.status, 1);
    assert.match(
      full.stderr,
      /no space left on the device writing .*checkpoints\/epoch-0002: it needs 4\.\d MiB, \d\.\d MiB are free there \(ENOSPC\)/,
    );
    assert.match(full.stderr, /nothing written before was lost: the newest checkpoint, .*epoch-0001, is intact/);
    assert.match(full.stderr, /free space, then resume \(`bigan train --resume --out /);
    const run = RunFolder.open(out);
    assert.deepEqual(
      run.checkpoints().map((c) => c.epoch),
      [1],
    );
    assert.deepEqual(
      fs.readdirSync(run.checkpointsDir).filter((n) => n.startsWith('.')),
      [],
      'no temporary left behind',
    );
    disk.grow();
    const resumed = spawnSync(process.execPath, [cli, 'train', '--out', out, '--resume'], { encoding: 'utf8' });
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal(RunFolder.open(out).finishedCheckpoint()?.epoch, 3);
  } finally {
    disk.remove();
  }
});
