import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { committedNotebook, FIGURE_MARK, MOST_COMMITTED_BYTES } from '../scripts/jupyter/committed-notebook.mjs';

interface Output {
  output_type: string;
  data?: Record<string, string | string[]>;
  metadata?: Record<string, unknown>;
  text?: string | string[];
}
interface Cell {
  cell_type: string;
  execution_count?: number | null;
  metadata: Record<string, unknown>;
  outputs?: Output[];
  source: string[];
}

const text = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join('') : (value ?? ''));
const isFigure = (o: Output) => text(o.data?.['text/plain']).startsWith(FIGURE_MARK);

for (const name of fs.readdirSync('notebooks').filter((f) => f.endsWith('.ipynb'))) {
  test(`notebooks/${name} is committed with its outputs, figures as PNG only, under 3 MB`, () => {
    const file = path.join('notebooks', name);
    const raw = fs.readFileSync(file, 'utf8');
    assert.ok(Buffer.byteLength(raw) < MOST_COMMITTED_BYTES, `${file} is ${Buffer.byteLength(raw)} bytes`);
    const cells = (JSON.parse(raw) as { cells: Cell[] }).cells.filter((c) => c.cell_type === 'code');
    const unrun = cells.filter((c) => c.execution_count == null).map((c) => c.source[0]);
    assert.deepEqual(unrun, [], `${file}: cells without outputs (run npm run notebooks -- --commit-outputs)`);
    const outputs = cells.flatMap((c) => c.outputs ?? []);
    const figures = outputs.filter(isFigure);
    assert.ok(figures.length > 0, `${file} shows no figure`);
    for (const figure of figures) {
      assert.ok(figure.data!['image/png'], `${text(figure.data!['text/plain'])} has no PNG`);
      assert.deepEqual(Object.keys(figure.data!).sort(), ['image/png', 'text/plain']);
    }
    assert.ok(!outputs.some((o) => o.data?.['application/vnd.plotly.v1+json']), `${file} carries plotly JSON`);
    assert.doesNotMatch(raw, /plotly\.js v\d|Plotly\.newPlot|window\.PlotlyConfig/, `${file} carries plotly.js`);
  });
}

test('the committed form keeps a figure as its PNG, and every other output and cell as it ran', () => {
  const figure: Output = {
    output_type: 'display_data',
    data: {
      'application/vnd.plotly.v1+json': '{"data": [], "layout": {}}',
      'image/png': 'iVBOR',
      'text/html': '<script>plotly.js v3</script>',
      'text/plain': '<plotly figure: a title>',
    },
    metadata: { 'image/png': { width: 720, height: 420 } },
  };
  const stream: Output = { output_type: 'stream', text: ['a line\n'] };
  const executed: { cells: Cell[]; metadata: object } = {
    cells: [
      { cell_type: 'markdown', metadata: {}, source: ['# title'] },
      {
        cell_type: 'code',
        execution_count: 3,
        metadata: { execution: { 'iopub.status.busy': '2026-12-07T05:26:35Z' }, tags: ['hand-step'] },
        outputs: [figure, stream],
        source: ['show()'],
      },
    ],
    metadata: {},
  };
  const before = JSON.stringify(executed);
  const committed = committedNotebook(executed);
  assert.equal(JSON.stringify(executed), before, 'the executed notebook is left as it was');
  assert.deepEqual(committed.cells[0], executed.cells[0]);
  assert.deepEqual(committed.cells[1].metadata, { tags: ['hand-step'] }, 'run timestamps are dropped, tags kept');
  assert.deepEqual(committed.cells[1].outputs, [
    {
      output_type: 'display_data',
      data: { 'image/png': 'iVBOR', 'text/plain': '<plotly figure: a title>' },
      metadata: { 'image/png': { width: 720, height: 420 } },
    },
    stream,
  ]);
  const withoutPng = structuredClone(executed);
  delete withoutPng.cells[1].outputs![0].data!['image/png'];
  assert.throws(() => committedNotebook(withoutPng), /a figure output has no PNG: <plotly figure: a title>/);
});
