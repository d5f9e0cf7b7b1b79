import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { listPretrained, loadPretrained } from '../lib/experiments/pretrained.js';
import { projectRoot } from '../lib/util/paths.js';
// @ts-expect-error a plain JavaScript module without types: the stock loader's own input generator
import { stockInputs } from './support/stock-load.mjs';

interface StockOutputs {
  inputs: number[][];
  outputs: { shape: number[]; values: number[] }[];
}

test('every shipped E and G loads with stock tf.loadLayersModel, outside this project, and computes what the library does', async () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stock-')), 'outputs.json');
  // A process that imports only @tensorflow/tfjs-node: none of this project's layer classes are registered there.
  const loaded = spawnSync(process.execPath, [path.join(projectRoot(), 'test', 'support', 'stock-load.mjs'), out], {
    cwd: projectRoot(),
    encoding: 'utf8',
  });
  assert.equal(loaded.status, 0, loaded.stderr.slice(-2000));
  const stock = JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, StockOutputs>;
  const names = listPretrained();
  assert.deepEqual(Object.keys(stock).sort(), names.flatMap((n) => [`${n}/encoder`, `${n}/generator`]).sort());
  for (const name of names) {
    const { model, manifest } = await loadPretrained(name);
    assert.equal(manifest.version, 2, `${name}: shipped as stock layers`);
    try {
      for (const network of ['encoder', 'generator'] as const) {
        const theirs = stock[`${name}/${network}`];
        const inputs = (stockInputs(network, theirs.inputs) as { shape: number[]; values: Float32Array }[]).map((x) =>
          tf.tensor(x.values, x.shape),
        );
        const predicted = model.networks[network].predict(inputs.length === 1 ? inputs[0] : inputs);
        const ours = Array.isArray(predicted) ? predicted : [predicted];
        assert.equal(ours.length, theirs.outputs.length, `${name}/${network}: outputs`);
        ours.forEach((o, i) => {
          assert.deepEqual(o.shape, theirs.outputs[i].shape);
          const values = Float32Array.from(o.dataSync());
          const worst = values.reduce((m, v, j) => Math.max(m, Math.abs(v - theirs.outputs[i].values[j])), 0);
          // The same float16 weights on both sides: only the kernels' arithmetic differs.
          assert.ok(worst < 1e-4, `${name}/${network} output ${i}: largest difference ${worst}`);
        });
        tf.dispose([...inputs, ...ours]);
      }
    } finally {
      model.dispose();
    }
  }
});
