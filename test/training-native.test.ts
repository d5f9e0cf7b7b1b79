import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initBackend } from '../lib/backend/backend.js';
import { checkTrainingStep } from './support/tiny-bigan.js';

test('a BiGAN training step on native TensorFlow: finite losses, phase-local updates, no leaks', async () => {
  const report = await initBackend({ backend: 'tensorflow' });
  assert.equal(report.backend, 'tensorflow');
  checkTrainingStep();
});
