import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { packageFolder } from '../util/paths.js';

/** Backends in the order they are tried: the first that loads wins. */
export const BACKEND_ORDER = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

export interface SkippedBackend {
  backend: BackendName;
  /** Why it did not load, then how to install it. */
  reason: string;
  /** Why it did not load, alone. */
  cause: string;
}

export interface BackendReport {
  /** Our name for the backend: one of {@link BACKEND_ORDER}. */
  backend: BackendName;
  /** The name TensorFlow.js registered it under (both native packages register `tensorflow`). */
  tfjsBackend: string;
  tfjsVersion: string;
  /** libtensorflow's own version for the native backends, null otherwise. */
  tensorflowVersion: string | null;
  devices: string[];
  /** True when BIGAN_BACKEND (or the caller) named the backend. */
  forced: boolean;
  /** Why each backend faster than the chosen one was not used. */
  skipped: SkippedBackend[];
}

/** A backend that was asked for by name and cannot load. */
export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: BackendName,
    reason: string,
    hint: string,
  ) {
    super(`backend '${backend}' cannot load: ${reason}\n  ${hint}`);
    this.name = 'BackendUnavailableError';
  }
}

const INSTALL_HINTS: Record<BackendName, string> = {
  'tensorflow-gpu':
    'It needs an NVIDIA driver with CUDA 12.2 and cuDNN 8.9 and the built addon: run `npm run setup -- --gpu` (README, "GPU").',
  webgpu:
    'It needs a GPU with a Vulkan driver (Dawn, from the `webgpu` package, runs on Vulkan); `npm run gpu-check` says what it finds.',
  tensorflow:
    'Run `node scripts/install-native.mjs --strict` to build @tensorflow/tfjs-node against libtensorflow (README, "Backends").',
  wasm: 'Run `npm ci` to install @tensorflow/tfjs-backend-wasm.',
  cpu: 'Run `npm ci` to install @tensorflow/tfjs.',
};

/** Reads BIGAN_BACKEND; unset or empty means "pick the fastest". */
export function backendFromEnvironment(env: NodeJS.ProcessEnv = process.env): BackendName | null {
  const value = env.BIGAN_BACKEND?.trim();
  if (!value) return null;
  if (!(BACKEND_ORDER as readonly string[]).includes(value)) {
    throw new Error(
      `BIGAN_BACKEND='${value}' is not a backend; use one of ${BACKEND_ORDER.join(', ')} (or leave it unset)`,
    );
  }
  return value as BackendName;
}

function packageVersion(name: string): string {
  return JSON.parse(fs.readFileSync(path.join(packageFolder(name), 'package.json'), 'utf8')).version;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (
    message
      .split('\n')
      .find((l) => l.trim().length > 0)
      ?.trim() ?? message
  );
}

/** A GPU build of TensorFlow runs on the CPU when no driver is present, so the driver is checked first. */
function cudaDriverMissing(): string | null {
  // ldconfig lives in /sbin, which a user's PATH may lack.
  for (const ldconfig of ['ldconfig', '/sbin/ldconfig']) {
    try {
      const libraries = execFileSync(ldconfig, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      return /libcuda\.so\.1\b/.test(libraries) ? null : 'no CUDA driver (libcuda.so.1 is not in the linker cache)';
    } catch {
      continue;
    }
  }
  return 'no CUDA driver (ldconfig could not be run to look for libcuda.so.1)';
}

/**
 * Dawn is loaded only where a GPU device node exists: elsewhere it finds nothing, after a few hundred
 * milliseconds and warnings on stderr in every process.
 */
function gpuDeviceMissing(): string | null {
  const dri = fs.existsSync('/dev/dri') ? fs.readdirSync('/dev/dri').filter((f) => f.startsWith('renderD')) : [];
  return fs.existsSync('/dev/nvidia0') || dri.length > 0 ? null : 'no GPU device (/dev/nvidia0, /dev/dri/renderD*)';
}

/** Software Vulkan (llvmpipe, SwiftShader) is a CPU behind a GPU's interface: slower than native TensorFlow. */
const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader/i;

async function loadWebGpu(): Promise<LoadedBackend> {
  const missing = gpuDeviceMissing();
  if (missing) throw new Error(missing);
  // The Vulkan loader complains on stderr when a headless machine has no runtime directory.
  process.env.XDG_RUNTIME_DIR ??= os.tmpdir();
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('Dawn found no WebGPU adapter (no Vulkan driver for the GPU?)');
  const { vendor, architecture, device, description } = adapter.info;
  const name = [vendor, architecture, device, description].filter(Boolean).join(' ') || 'unnamed adapter';
  if (SOFTWARE_ADAPTER.test(name)) throw new Error(`only a software adapter: ${name}`);
  // tfjs-backend-webgpu finds the GPU through navigator.gpu, which Node does not have.
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error(`the webgpu backend failed to initialise on ${name}`);
  return { tfjsBackend: 'webgpu', tensorflowVersion: null, devices: [`webgpu:0 ${name}`, cpuDevice()] };
}

function gpuNames(): string[] {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader'], {
      encoding: 'utf8',
    });
    return out
      .trim()
      .split('\n')
      .map((line, i) => `gpu:${i} ${line.trim()}`);
  } catch {
    return ['gpu (nvidia-smi unavailable)'];
  }
}

function cpuDevice(): string {
  return `cpu:0 ${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.availableParallelism()} threads)`;
}

interface LoadedBackend {
  tfjsBackend: string;
  tensorflowVersion: string | null;
  devices: string[];
}

// libtensorflow logs every op placement and CPU feature at level 0; warnings and errors still show.
function quietTensorFlowLogs(): void {
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
}

async function loadNative(pkg: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu'): Promise<LoadedBackend> {
  quietTensorFlowLogs();
  await import(pkg);
  if (!(await tf.setBackend('tensorflow')))
    throw new Error(`${pkg} loaded but did not register the tensorflow backend`);
  const binding = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding;
  return { tfjsBackend: 'tensorflow', tensorflowVersion: binding?.TF_Version ?? null, devices: [] };
}

type Loaders = Record<BackendName, () => Promise<LoadedBackend>>;

const LOADERS: Loaders = {
  'tensorflow-gpu': async () => {
    const missing = cudaDriverMissing();
    if (missing) throw new Error(missing);
    const loaded = await loadNative('@tensorflow/tfjs-node-gpu');
    return { ...loaded, devices: [...gpuNames(), cpuDevice()] };
  },
  webgpu: loadWebGpu,
  tensorflow: async () => ({ ...(await loadNative('@tensorflow/tfjs-node')), devices: [cpuDevice()] }),
  wasm: async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    return {
      tfjsBackend: 'wasm',
      tensorflowVersion: null,
      devices: [`wasm (simd ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'})`],
    };
  },
  cpu: async () => {
    if (!(await tf.setBackend('cpu'))) throw new Error('the plain JavaScript backend failed to initialise');
    return { tfjsBackend: 'cpu', tensorflowVersion: null, devices: ['javascript (single thread)'] };
  },
};

/**
 * Loads one backend and makes it TensorFlow.js' current one, beside those already loaded (a check that compares
 * two backends in one process); throws when it cannot load. Use {@link initBackend} to choose the backend.
 */
export async function loadBackend(name: BackendName): Promise<{ devices: string[] }> {
  const { devices } = await LOADERS[name]();
  await tf.ready();
  return { devices };
}

let active: Promise<BackendReport> | null = null;

/**
 * Chooses and initialises the backend once per process; later calls return the same report.
 * `BIGAN_BACKEND` (or `options.backend`) forces one, and a forced backend that cannot load throws
 * {@link BackendUnavailableError} rather than quietly running something slower.
 */
export function initBackend(options: { backend?: BackendName } = {}): Promise<BackendReport> {
  active ??= chooseBackend(options.backend ?? backendFromEnvironment());
  return active;
}

/**
 * Tries the backends in order (or only the forced one). Exported with its loaders as a parameter so that tests
 * can exercise a backend failing to load on any machine; use {@link initBackend}.
 */
export async function chooseBackend(forced: BackendName | null, loaders: Loaders = LOADERS): Promise<BackendReport> {
  const tfjsVersion = tf.version.tfjs;
  if (forced) {
    try {
      const loaded = await loaders[forced]();
      await tf.ready();
      return { backend: forced, ...loaded, tfjsVersion, forced: true, skipped: [] };
    } catch (error) {
      throw new BackendUnavailableError(forced, firstLine(error), INSTALL_HINTS[forced]);
    }
  }
  const skipped: SkippedBackend[] = [];
  for (const backend of BACKEND_ORDER) {
    try {
      const loaded = await loaders[backend]();
      await tf.ready();
      return { backend, ...loaded, tfjsVersion, forced: false, skipped };
    } catch (error) {
      skipped.push({ backend, reason: `${firstLine(error)}. ${INSTALL_HINTS[backend]}`, cause: firstLine(error) });
    }
  }
  throw new Error(
    `no TensorFlow.js backend could load:\n${skipped.map((s) => `  ${s.backend}: ${s.reason}`).join('\n')}`,
  );
}

/** Versions of the packages that matter for reproducing a run. */
export function packageVersions(): Record<string, string> {
  const versions: Record<string, string> = { node: process.versions.node };
  for (const name of [
    '@tensorflow/tfjs',
    '@tensorflow/tfjs-node',
    '@tensorflow/tfjs-node-gpu',
    '@tensorflow/tfjs-backend-wasm',
  ]) {
    try {
      versions[name] = packageVersion(name);
    } catch {
      versions[name] = 'not installed';
    }
  }
  return versions;
}

/** A few lines for a terminal or a notebook: the backend, its devices and why faster ones were skipped. */
export function describeBackend(report: BackendReport): string {
  const lines = [
    `backend: ${report.backend}${report.forced ? ' (forced by BIGAN_BACKEND)' : ''}` +
      `${report.tensorflowVersion ? `, TensorFlow ${report.tensorflowVersion}` : ''}, tfjs ${report.tfjsVersion}`,
    ...report.devices.map((d) => `  device: ${d}`),
    ...report.skipped.map((s) => `  skipped ${s.backend}: ${s.reason}`),
  ];
  if (report.backend === 'wasm' || report.backend === 'cpu') {
    lines.push(
      `  note: ${report.backend} is 50-150x slower than native TensorFlow for training; see README, "Backends".`,
    );
  }
  return lines.join('\n');
}
