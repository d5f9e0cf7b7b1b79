import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ABLATION_NAMES } from '../lib/index.js';

interface Cell {
  cell_type: string;
  source: string[];
}

const notebooks = fs
  .readdirSync('notebooks')
  .filter((f) => f.endsWith('.ipynb'))
  .sort()
  .map((name) => ({
    name,
    code: (JSON.parse(fs.readFileSync(path.join('notebooks', name), 'utf8')) as { cells: Cell[] }).cells
      .filter((c) => c.cell_type === 'code')
      .map((c) => c.source.join('')),
  }));

/** The helpers a cell defines at its top level: `function name(` and `const name = (...) =>`. */
function helpersOf(code: string): string[] {
  const declared = [
    ...code.matchAll(/^(?:async )?function (\w+)/gm),
    ...code.matchAll(/^const (\w+) = (?:async )?\(/gm),
  ];
  return declared.map((m) => m[1]);
}

test('every notebook code line is at most 120 characters', () => {
  assert.ok(notebooks.length >= 5, 'the notebooks were not found');
  const long = notebooks.flatMap(({ name, code }) =>
    code.flatMap((cell, i) =>
      cell
        .split('\n')
        .filter((line) => line.length > 120)
        .map((line) => `${name} code cell ${i + 1}: ${line.length} characters: ${line.slice(0, 50)}...`),
    ),
  );
  assert.deepEqual(long, []);
});

test('no notebook defines a helper that another notebook defines too', () => {
  const owners = new Map<string, string[]>();
  for (const { name, code } of notebooks)
    for (const helper of new Set(code.flatMap(helpersOf))) owners.set(helper, [...(owners.get(helper) ?? []), name]);
  const shared = [...owners].filter(([, names]) => names.length > 1).map(([h, names]) => `${h}: ${names.join(', ')}`);
  assert.deepEqual(shared, []);
  assert.deepEqual(helpersOf('const percent = (a: number) => a;\nfunction show(x) {}\nconst n = 3;'), [
    'show',
    'percent',
  ]);
});

test("notebook 03 takes each library row's change from the library: a change is passed for new rows only", () => {
  const rows = notebooks
    .find((n) => n.name.startsWith('03-'))!
    .code.flatMap((cell) => [...cell.matchAll(/ablations\.row\('([\w-]+)'(,?)/g)])
    .map((m) => ({ row: m[1], change: m[2] === ',' }));
  for (const name of ABLATION_NAMES)
    assert.ok(
      rows.some((r) => r.row === name),
      `notebook 03 has no cell for the library's row ${name}`,
    );
  const restated = rows.filter((r) => r.change && ABLATION_NAMES.includes(r.row)).map((r) => r.row);
  assert.deepEqual(restated, [], "these cells restate a library row's change");
});
