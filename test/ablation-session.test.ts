import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ABLATIONS, AblationSession, BIGBIGAN_BASE } from '../lib/index.js';

test("a session's row takes its change from the library's table, or from the cell for a row of the reader's own", () => {
  const base = BIGBIGAN_BASE.table;
  const session = new AblationSession({ base, evaluation: { samples: 10, trainLimit: 10, testLimit: 10 } });
  assert.deepEqual(session.change('small-g'), {
    bigbigan: { generatorChannels: base.bigbigan!.generatorChannels / 4 },
  });
  assert.deepEqual(session.change('small-g'), ABLATIONS['small-g'](base));
  assert.deepEqual(session.change('base'), {});
  const own = { encoderLearningRateMultiplier: 0.5 };
  assert.equal(session.change('half-lr-encoder', own), own);
  assert.equal(session.change('small-g', own), own, 'a change given in the cell replaces the library row');
  assert.throws(
    () => session.change('half-lr-encoder'),
    /unknown ablation row 'half-lr-encoder' \(known: base, .*\): give a row of your own its change/,
  );
});
