import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const MOST_FUNCTION_LINES = 80;

function typescriptFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return typescriptFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every function, method and arrow function with a body in `text`, with its name and length in lines. */
function functionLengths(file: string, text: string): { name: string; lines: number }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: { name: string; lines: number }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = node.name?.getText(source) ?? '(anonymous)';
      found.push({ name: `${path.relative('.', file)}: ${name}`, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test(`no function in lib/ is over ${MOST_FUNCTION_LINES} lines`, () => {
  const long = typescriptFiles('lib')
    .flatMap((file) => functionLengths(file, fs.readFileSync(file, 'utf8')))
    .filter((f) => f.lines > MOST_FUNCTION_LINES)
    .map((f) => `${f.name} (${f.lines} lines)`);
  assert.deepEqual(long, []);
});

test('the measure counts every kind of function, nested ones included', () => {
  const body = (n: number) => Array.from({ length: n }, (_, i) => `  const a${i} = ${i};`).join('\n');
  const text = [
    `function outer() {\n${body(3)}\n  const inner = () => {\n${body(90)}\n  };\n}`,
    `class C {\n  method() {\n${body(79)}\n  }\n}`,
  ].join('\n');
  const lengths = Object.fromEntries(functionLengths('x.ts', text).map((f) => [f.name, f.lines]));
  assert.deepEqual(lengths, { 'x.ts: outer': 97, 'x.ts: (anonymous)': 92, 'x.ts: method': 81 });
});

test('the CLI entry point only lists the commands and dispatches (under 80 lines)', () => {
  const lines = fs.readFileSync('lib/cli/main.ts', 'utf8').trimEnd().split('\n').length;
  assert.ok(lines < 80, `lib/cli/main.ts has ${lines} lines`);
});
