import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve('.');

test('a failing notebook cell is reported with its number, first line and whole error; the executed copy is kept', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-'));
  const notebook = JSON.parse(fs.readFileSync(path.join(root, 'notebooks', '00-tour.ipynb'), 'utf8'));
  const code = (id: string, source: string) => ({
    cell_type: 'code',
    execution_count: null,
    id,
    metadata: {},
    outputs: [],
    source,
  });
  notebook.cells = [
    code('first', "console.log('before the failure');"),
    code('bad', 'const answer = 42;\nthrow new Error(`a deliberate failure, answer ${answer}`);'),
    code('after', "console.log('never reached');"),
  ];
  const source = path.join(dir, 'failing.ipynb');
  fs.writeFileSync(source, JSON.stringify(notebook));
  const executed = path.join(dir, 'out', 'failing.ipynb');
  const run = spawnSync(
    path.join(root, '.venv', 'bin', 'python'),
    [path.join(root, 'scripts', 'jupyter', 'execute.py'), source, executed],
    {
      cwd: root,
      env: { ...process.env, JUPYTER_PATH: path.join(root, '.venv', 'share', 'jupyter') },
      encoding: 'utf8',
    },
  );
  assert.equal(run.status, 1);
  assert.match(run.stderr, new RegExp(`${source.replace(/[.]/g, '\\.')}: cell 2 failed`));
  assert.match(run.stderr, /first line: const answer = 42;/);
  assert.match(run.stderr, /Error: a deliberate failure, answer 42/);
  const kept = JSON.parse(fs.readFileSync(executed, 'utf8'));
  assert.match(kept.cells[0].outputs[0].text.join(''), /before the failure/);
  assert.equal(kept.cells[2].outputs.length, 0, 'nothing after the failure ran');
});
