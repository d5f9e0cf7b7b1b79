import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { test } from 'node:test';

/** lib/'s folders, bottom to top: each may import only itself and the folders before it (lib/README.md). */
const LAYERS = [
  'util',
  'backend',
  'data',
  'losses',
  'optim',
  'models',
  'config',
  'io',
  'training',
  'eval',
  'tsne',
  'experiments',
  'plots',
  'cli',
];
const lib = path.resolve('lib');

/** Every module specifier a source file imports, statically, dynamically or as a re-export. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)'([^']+)'/gm)].map((m) => m[1]);
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|mjs|cjs|js)$/.test(entry.name) ? [full] : [];
  });
}

/** Folder-level import edges of a lib/ tree: [from, to, the importing file, the specifier]; '' is lib/ itself. */
function folderEdges(root: string): [string, string, string, string][] {
  const folderOf = (file: string) => path.relative(root, file).split(path.sep).slice(0, -1).join('/');
  const edges: [string, string, string, string][] = [];
  for (const file of sourceFiles(root)) {
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), spec);
      assert.ok(target.startsWith(root + path.sep), `${file} imports ${spec}, outside lib/`);
      const from = folderOf(file);
      const to = folderOf(target);
      if (from !== to) edges.push([from, to, path.relative(root, file), spec]);
    }
  }
  return edges;
}

/** Imports of a folder above the importer in {@link LAYERS}, or of a folder that is no layer. */
function layerViolations(root: string): string[] {
  return folderEdges(root)
    .filter(([from, to]) => from !== '' && (!LAYERS.includes(to) || LAYERS.indexOf(to) > LAYERS.indexOf(from)))
    .map(([from, to, file, spec]) => `${from} -> ${to} (${file} imports ${spec})`);
}

/** Folders that reach themselves through imports, directly or through other folders. */
function folderCycles(root: string): string[] {
  const graph = new Map<string, Set<string>>();
  for (const [from, to] of folderEdges(root))
    if (from !== '') (graph.get(from) ?? graph.set(from, new Set()).get(from)!).add(to);
  const reaches = (start: string, goal: string, seen = new Set<string>()): boolean =>
    [...(graph.get(start) ?? [])].some(
      (next) => next === goal || (!seen.has(next) && (seen.add(next), reaches(next, goal, seen))),
    );
  return [...graph.keys()].filter((folder) => reaches(folder, folder));
}

/** Files of a lib/ tree that reach themselves through imports, type-only imports included; each cycle once. */
function fileCycles(root: string): string[] {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    const targets = importsOf(file)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'))
      .filter((target) => fs.existsSync(target));
    graph.set(file, targets);
  }
  const cycles = new Set<string>();
  const visit = (file: string, trail: string[]) => {
    const at = trail.indexOf(file);
    if (at >= 0) {
      const cycle = trail.slice(at).map((f) => path.relative(root, f));
      // One rotation of each cycle: starting from its alphabetically first file.
      const first = cycle.indexOf([...cycle].sort()[0]);
      cycles.add([...cycle.slice(first), ...cycle.slice(0, first)].join(' -> '));
      return;
    }
    if (trail.length > 40) return;
    for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
  };
  const done = new Set<string>();
  for (const file of graph.keys()) {
    if (done.has(file)) continue;
    visit(file, []);
    done.add(file);
  }
  return [...cycles].sort();
}

test('every lib/ folder is a named layer, and imports only the layers below it', () => {
  const folders = fs
    .readdirSync(lib, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  for (const folder of folders)
    assert.ok(LAYERS.includes(folder), `lib/${folder} is not in the layer list of this test and lib/README.md`);
  assert.deepEqual(layerViolations(lib), []);
});

test('no lib/ folder imports a folder that imports it back, directly or through a cycle', () => {
  assert.deepEqual(folderCycles(lib), []);
});

test('no lib/ file imports a file that imports it back, even for types only', () => {
  assert.deepEqual(fileCycles(lib), []);
});

test('the checks catch an upward import and a cycle through a third folder', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-'));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  write('models/a.ts', "import { b } from '../training/b.js';\n");
  write('training/b.ts', "export { c } from '../eval/c.js';\n");
  write('eval/c.ts', "const m = await import('../models/a.js');\n");
  assert.deepEqual(layerViolations(root), [
    'models -> training (models/a.ts imports ../training/b.js)',
    'training -> eval (training/b.ts imports ../eval/c.js)',
  ]);
  assert.deepEqual(folderCycles(root).sort(), ['eval', 'models', 'training']);
  write('eval/d.ts', "import type { E } from './e.js';\n");
  write('eval/e.ts', "import { d } from './d.js';\n");
  assert.deepEqual(fileCycles(root), ['eval/c.ts -> models/a.ts -> training/b.ts', 'eval/d.ts -> eval/e.ts']);
});

test('lib/index.ts, the public API, re-exports every layer but the CLI', () => {
  const exported = new Set(importsOf(path.join(lib, 'index.ts')).map((spec) => spec.split('/')[1]));
  for (const layer of LAYERS.filter((l) => l !== 'cli'))
    assert.ok(exported.has(layer), `lib/index.ts exports nothing from lib/${layer}`);
  assert.ok(!exported.has('cli'));
});

test('notebooks import only the public API (./lib/index.js), node: modules and tfjs', () => {
  const allowed = (spec: string) =>
    spec === './lib/index.js' || spec.startsWith('node:') || spec === '@tensorflow/tfjs';
  for (const name of fs.readdirSync('notebooks').filter((f) => f.endsWith('.ipynb'))) {
    const cells = JSON.parse(fs.readFileSync(path.join('notebooks', name), 'utf8')).cells as {
      cell_type: string;
      source: string[];
    }[];
    const specs = cells
      .filter((c) => c.cell_type === 'code')
      .flatMap((c) => [...c.source.join('').matchAll(/\bfrom\s+'([^']+)'/g)].map((m) => m[1]));
    assert.ok(specs.length > 0, `${name} imports nothing: the parser is broken`);
    assert.deepEqual(
      specs.filter((s) => !allowed(s)),
      [],
      `${name} imports internals`,
    );
  }
});
