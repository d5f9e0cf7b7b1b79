// Loads every shipped network with stock TensorFlow.js, as a user of the library would, importing nothing from
// this project: `node test/support/stock-load.mjs OUT.json`. Each network gets 256 inputs from a fixed generator
// (stockInputs, mirrored by test/stock-models.test.ts); its outputs go to OUT.json.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-node';

/** A tiny linear congruential generator: the same numbers in the test's process. */
export function lcg(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * 256 inputs for each input of a network: pixels in [0, 1] for E; for G, z in [-1, 1] and, for a conditional G's
 * second input, one-hot digits.
 */
export function stockInputs(network, shapes, count = 256) {
  const next = lcg(7);
  return shapes.map((shape, index) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(count * size);
    for (let i = 0; i < count; i++) {
      if (network === 'generator' && index === 1) values[i * size + Math.floor(next() * size)] = 1;
      else for (let j = 0; j < size; j++) values[i * size + j] = network === 'encoder' ? next() : 2 * next() - 1;
    }
    return { shape: [count, ...shape], values };
  });
}

if (process.argv[2]) {
  const root = path.join(process.cwd(), 'data', 'pretrained');
  const results = {};
  for (const model of fs.readdirSync(root).sort()) {
    for (const network of ['encoder', 'generator']) {
      const file = path.join(root, model, network, 'model.json');
      const net = await tf.loadLayersModel(`file://${file}`);
      const shapes = net.inputs.map((i) => i.shape.slice(1));
      const inputs = stockInputs(network, shapes).map((x) => tf.tensor(x.values, x.shape));
      const predicted = net.predict(inputs.length === 1 ? inputs[0] : inputs);
      const outputs = Array.isArray(predicted) ? predicted : [predicted];
      results[`${model}/${network}`] = {
        inputs: shapes,
        outputs: outputs.map((o) => ({ shape: o.shape, values: Array.from(o.dataSync()) })),
      };
      tf.dispose([...inputs, ...outputs]);
      net.dispose();
    }
  }
  fs.writeFileSync(process.argv[2], JSON.stringify(results));
}
