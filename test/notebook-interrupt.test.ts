import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve('.');

interface Cell {
  status: string;
  output: string;
  seconds: number;
}

test("the notebook's stop button stops a training cell at its next step; the kernel lives on and a rerun resumes", () => {
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'interrupt-'));
  const driven = spawnSync(
    path.join(root, '.venv', 'bin', 'python'),
    [path.join(root, 'test', 'support', 'interrupt_kernel.py'), runs],
    {
      cwd: root,
      env: { ...process.env, JUPYTER_PATH: path.join(root, '.venv', 'share', 'jupyter') },
      encoding: 'utf8',
      timeout: 600_000,
    },
  );
  assert.equal(driven.status, 0, driven.stderr);
  const cells = JSON.parse(driven.stdout.trim().split('\n').pop()!) as Record<string, Cell>;
  const { interrupted, next, rerun, uninterrupted } = cells;

  assert.equal(interrupted.status, 'error', interrupted.output);
  assert.ok(interrupted.seconds < 5, `the cell ended ${interrupted.seconds.toFixed(1)} s after the interrupt`);
  assert.match(interrupted.output, /SIGINT: stopping .*interrupted-\w+ at its next step, with a checkpoint; run again/);
  assert.doesNotMatch(interrupted.output, /losses/);

  assert.equal(next.status, 'ok', next.output);
  assert.match(next.output, /next cell 30 42/, 'the kernel runs the next cell and keeps its variables');

  assert.equal(rerun.status, 'ok', rerun.output);
  assert.match(rerun.output, /resuming .*interrupted-\w+ (after epoch|\d+ steps into epoch) \d+/);
  const losses = (cell: Cell) => JSON.parse(/losses (.*)/.exec(cell.output)![1]) as Record<string, number>;
  const [resumed, straight] = [losses(rerun), losses(uninterrupted)];
  for (const name of Object.keys(straight))
    assert.ok(Math.abs(resumed[name] - straight[name]) < 1e-5, `${name}: ${resumed[name]} vs ${straight[name]}`);
});
