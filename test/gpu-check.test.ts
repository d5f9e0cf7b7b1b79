import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { hasGpuDevice } from './support/gpu-device.js';

test('npm run gpu-check says in one line why there is no GPU, and exits 0', (t) => {
  const run = spawnSync('npm', ['run', '--silent', 'gpu-check'], { encoding: 'utf8', timeout: 600_000 });
  assert.equal(run.status, 0, run.stderr);
  if (hasGpuDevice()) {
    // A GPU machine runs the check itself: its training run must report finite losses.
    assert.match(run.stdout, /losses all finite/);
    return;
  }
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 1, run.stdout);
  assert.match(
    lines[0],
    /^gpu-check: no GPU here \(tensorflow-gpu: .+; webgpu: no GPU device .+\); this machine trains on /,
  );
  t.diagnostic(lines[0]);
});

test('the GPU bundle is under 64 MiB and runs on its own, here on the CPU fallback, with finite losses', (t) => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-bundle-')), 'bundle');
  try {
    const build = spawnSync('npm', ['run', '--silent', 'gpu-check', '--', '--bundle', dir], { encoding: 'utf8' });
    assert.equal(build.status, 0, build.stdout + build.stderr);
    const bytes = fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
    assert.ok(bytes < 64 * 2 ** 20, `${bytes} bytes`);
    // No project, no node_modules and no Node.js on the PATH: only what the bundle carries.
    const run = spawnSync('sh', [path.join(dir, 'run.sh'), '--paper-steps', '0', '--train-steps', '6'], {
      encoding: 'utf8',
      cwd: os.tmpdir(),
      env: { PATH: '/usr/bin:/bin', HOME: os.tmpdir() },
      timeout: 300_000,
    });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^backend: (cpu|webgpu) /m);
    assert.match(run.stdout, /training on \w+: 6 steps of the quick BiGAN, [\d.]+ ms a step, losses all finite/);
    t.diagnostic(run.stdout.split('\n').find((l) => l.startsWith('training on')) ?? '');
  } finally {
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});
