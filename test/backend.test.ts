import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { hasGpuDevice } from './support/gpu-device.js';
import { backendFromEnvironment, BackendUnavailableError, chooseBackend, initBackend } from '../lib/backend/backend.js';

test('BIGAN_BACKEND accepts the five names and rejects anything else by name', () => {
  assert.equal(backendFromEnvironment({}), null);
  assert.equal(backendFromEnvironment({ BIGAN_BACKEND: 'wasm' }), 'wasm');
  assert.throws(
    () => backendFromEnvironment({ BIGAN_BACKEND: 'tpu' }),
    /BIGAN_BACKEND='tpu' is not a backend; use one of tensorflow-gpu, webgpu, tensorflow, wasm, cpu/,
  );
});

test('a forced backend that cannot load is an error naming it and how to install it, not a fallback', async () => {
  const failing = async () => {
    throw new Error('libtensorflow.so.2: cannot open shared object file');
  };
  const fine = async () => ({ tfjsBackend: 'cpu', tensorflowVersion: null, devices: [] });
  const loaders = { 'tensorflow-gpu': failing, webgpu: failing, tensorflow: failing, wasm: fine, cpu: fine };
  await assert.rejects(
    chooseBackend('tensorflow', loaders),
    (e: unknown) =>
      e instanceof BackendUnavailableError &&
      e.backend === 'tensorflow' &&
      /cannot open shared object/.test(e.message) &&
      /install-native/.test(e.message),
  );
  const unforced = await chooseBackend(null, loaders);
  assert.equal(unforced.backend, 'wasm');
  assert.deepEqual(
    unforced.skipped.map((s) => s.backend),
    ['tensorflow-gpu', 'webgpu', 'tensorflow'],
  );
});

test('forcing GPU TensorFlow without a CUDA driver fails with that reason; with one it loads', async () => {
  const driver = /libcuda\.so\.1\b/.test(execFileSync('ldconfig', ['-p'], { encoding: 'utf8' }));
  const attempt = chooseBackend('tensorflow-gpu');
  if (driver) assert.equal((await attempt).backend, 'tensorflow-gpu');
  else await assert.rejects(attempt, /backend 'tensorflow-gpu' cannot load: no CUDA driver/);
});

test('on this project the best backend is native TensorFlow and reports its version and devices', async () => {
  const report = await initBackend();
  assert.ok(
    ['tensorflow', 'tensorflow-gpu'].includes(report.backend),
    `native TensorFlow did not load: ${JSON.stringify(report.skipped)}`,
  );
  assert.match(report.tensorflowVersion ?? '', /^2\.\d+\.\d+/);
  assert.ok(report.devices.length > 0);
});

test('forcing WebGPU without a GPU device fails with that reason before Dawn is loaded', async () => {
  const device = hasGpuDevice();
  const attempt = chooseBackend('webgpu');
  if (device)
    await attempt.then(
      (report) => assert.equal(report.backend, 'webgpu'),
      // A device node without a Vulkan driver for it: Dawn itself says so.
      (error: Error) => assert.doesNotMatch(error.message, /no GPU device/),
    );
  else await assert.rejects(attempt, /backend 'webgpu' cannot load: no GPU device/);
});
