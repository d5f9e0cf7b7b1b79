import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { initBackend } from '../lib/backend/backend.js';
import { BIGBIGAN_BASE } from '../lib/config/bigbigan-presets.js';
import { makeConfig, mergeConfig } from '../lib/config/training-config.js';
import { silentProgress } from '../lib/training/progress.js';
import { train } from '../lib/training/train.js';

/**
 * One epoch's mean losses of three tiny runs on native TensorFlow, recorded with the code of commit 0bf9cf1
 * (before lib/ was layered). Moving code must not change what a seed trains: same initialisation order, same
 * random draws, same arithmetic. The runs are bit-for-bit repeatable on one machine; the tolerance leaves room for
 * another CPU's kernels.
 *
 * BigBiGAN's were recorded again when its D began to judge encoder and generator pairs in one batch: that moves
 * each spectral norm's u one power-iteration step per D pass instead of two, a deliberate change. The fused
 * spectral normalisation and batch normalisation that came with it reproduced the old losses to 1e-8.
 */
const PINNED = {
  bigan: {
    'd/total': 1.3831779211759567,
    'd/discriminatorEncoder': 0.6756873726844788,
    'd/discriminatorGenerator': 0.7074905708432198,
    'eg/total': 1.395175501704216,
    'eg/encoder': 0.7141626551747322,
    'eg/generator': 0.6810128539800644,
  },
  'cbigan-extended': {
    'd/total': 1.3870551586151123,
    'd/discriminatorEncoder': 0.714623399078846,
    'd/discriminatorGenerator': 0.6724317520856857,
    'eg/total': 1.395305648446083,
    'eg/encoder': 0.6777694448828697,
    'eg/generator': 0.7175361961126328,
  },
  bigbigan: {
    'd/total': 5.907016634941101,
    'd/s_xz': 1.9903810620307922,
    'd/s_x': 1.8679671436548233,
    'd/s_z': 2.0486684143543243,
    'eg/total': 0.15046405047178268,
    'eg/encoder': 0.013852274511009455,
    'eg/generator': 0.1366117731668055,
  },
};

const tiny = { epochs: 1, trainLimit: 256, batchSize: 32 };
const CONFIGS = {
  bigan: makeConfig('quick', { ...tiny, architecture: { hiddenUnits: 32 } }),
  'cbigan-extended': makeConfig('quick', { ...tiny, model: 'cbigan-extended', architecture: { hiddenUnits: 32 } }),
  // Base's optimizer before beta1 0, learning rate 4e-4 and the weight average (which changes no loss).
  bigbigan: mergeConfig(BIGBIGAN_BASE.quick, {
    learningRate: 2e-4,
    beta1: 0.5,
    trainLimit: 256,
    batchSize: 32,
    bigbigan: { generatorChannels: 8, encoderChannels: 8, discriminatorChannels: 8 },
  }),
};

for (const [name, config] of Object.entries(CONFIGS)) {
  test(`${name}: a seeded epoch trains to the losses pinned before the layout change`, async () => {
    await initBackend();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinned-'));
    const result = await train({ runDir: path.join(dir, 'run'), config, progress: silentProgress });
    result.model.dispose();
    const losses = result.history[0].losses;
    const expected = PINNED[name as keyof typeof PINNED];
    assert.deepEqual(Object.keys(losses).sort(), Object.keys(expected).sort());
    // Relative to the run's total loss, not to each term: a term that is a small difference of large ones (BigBiGAN's
    // eg/encoder, 0.0139 of a hinge sum) carries the total's rounding. On an AMD EPYC without AVX-512 (Zen 3) that
    // term differs from the pinned value by 3e-7, 2e-5 of itself, while every loss agrees to 1e-5 of the total.
    const scale = Math.max(...Object.values(expected).map(Math.abs));
    for (const [key, value] of Object.entries(expected)) {
      assert.ok(
        Math.abs(losses[key] - value) <= 1e-5 * scale,
        `${key}: ${losses[key]} differs from the pinned ${value}`,
      );
    }
  });
}
