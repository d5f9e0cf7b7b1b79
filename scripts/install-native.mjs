#!/usr/bin/env node
// Makes @tensorflow/tfjs-node (or -gpu) load on a machine whose only reachable hosts are package registries.
//
// tfjs-node's own install script downloads libtensorflow 2.9.1 from storage.googleapis.com and then builds its
// N-API addon. It skips that download when deps/lib/libtensorflow.so.2.9.1 already exists. So, when the
// download fails, we take libtensorflow_cc.so.2 and libtensorflow_framework.so.2 (which export the same C API)
// with the C API headers from TensorFlow's PyPI wheel, stage them in deps/ under the names the addon links
// against, and let the package's own install script build the addon with node-gyp.
//
// Usage: node scripts/install-native.mjs [--variant cpu|gpu] [--route auto|download|wheel] [--strict]
// Without --strict a failure is reported and the exit status stays 0, so that `npm run setup` still succeeds
// and the project runs on WASM.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));

const VARIANTS = {
  cpu: { pkg: '@tensorflow/tfjs-node', wheelSpec: 'tensorflow-cpu.txt', runtimeSpec: null },
  gpu: { pkg: '@tensorflow/tfjs-node-gpu', wheelSpec: 'tensorflow-gpu.txt', runtimeSpec: 'tensorflow-gpu-runtime.txt' },
};
// The wheels' manylinux x86_64 builds are the same shared libraries for every Python version; naming one
// version makes pip fetch the same file whichever Python runs it.
const WHEEL_PLATFORM = ['--python-version', '3.11', '--platform', 'manylinux2014_x86_64', '--only-binary=:all:'];

function parseArgs(argv) {
  const args = { variant: 'cpu', route: 'auto', strict: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--variant') args.variant = argv[++i];
    else if (a === '--route') args.route = argv[++i];
    else if (a === '--strict') args.strict = true;
    else throw new Error(`install-native: unknown argument '${a}'`);
  }
  if (!(args.variant in VARIANTS))
    throw new Error(`install-native: --variant must be cpu or gpu, got '${args.variant}'`);
  if (!['auto', 'download', 'wheel'].includes(args.route)) {
    throw new Error(`install-native: --route must be auto, download or wheel, got '${args.route}'`);
  }
  return args;
}

function log(message) {
  console.log(`[native] ${message}`);
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  return { ok: result.status === 0, status: result.status, output, error: result.error };
}

function lastLines(text, n = 6) {
  return text
    .trim()
    .split('\n')
    .slice(-n)
    .map((l) => `    ${l}`)
    .join('\n');
}

/** Loads the package in a child process: a broken native library must not take this script down with it. */
export function probe(pkg) {
  const code =
    `const tf = require(${JSON.stringify(pkg)}); ` +
    `const t = tf.add(tf.tensor1d([1, 2]), 1).dataSync(); ` +
    `if (tf.getBackend() !== 'tensorflow' || t[1] !== 3) throw new Error('backend ' + tf.getBackend()); ` +
    `console.log(JSON.stringify({ tensorflow: tf.backend().binding.TF_Version }));`;
  const result = run(process.execPath, ['-e', code], { env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
  if (!result.ok) return { ok: false, reason: lastLines(result.output, 3) };
  const line = result.output.trim().split('\n').pop();
  return { ok: true, tensorflow: JSON.parse(line).tensorflow };
}

function packageDir(pkg) {
  return path.dirname(require.resolve(`${pkg}/package.json`));
}

function cacheDir() {
  const base =
    process.env.BIGAN_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'bigan-notebooks');
  const dir = path.join(base, 'wheels');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function findPython() {
  for (const candidate of [process.env.BIGAN_PYTHON, 'python3', 'python'].filter(Boolean)) {
    if (run(candidate, ['-m', 'pip', '--version']).ok) return candidate;
  }
  return null;
}

function pipDownload(python, requirementsFile, dest, { hashes }) {
  const args = ['-m', 'pip', 'download', '--no-deps', ...WHEEL_PLATFORM, '-d', dest, '-r', requirementsFile];
  if (hashes) args.push('--require-hashes');
  const result = run(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (!result.ok)
    throw new Error(`pip download -r ${path.relative(root, requirementsFile)} failed:\n${lastLines(result.output)}`);
}

function requirementNames(file) {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((l) => l.split(/[=\s]/)[0].toLowerCase().replace(/-/g, '_'));
}

function wheelFor(dir, distribution, version) {
  const prefix = `${distribution}-${version}-`;
  const name = fs.readdirSync(dir).find((f) => f.toLowerCase().startsWith(prefix) && f.endsWith('.whl'));
  if (!name) throw new Error(`no wheel ${prefix}*.whl in ${dir} after pip download`);
  return path.join(dir, name);
}

function sha256(file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

// The headers the addon's sources include; their own includes are followed inside the wheel.
const ADDON_HEADERS = [
  'tensorflow/c/c_api.h',
  'tensorflow/c/eager/c_api.h',
  'tensorflow/c/tf_datatype.h',
  'tensorflow/c/tf_status.h',
  'tensorflow/c/tf_tensor.h',
  'tensorflow/core/platform/ctstring_internal.h',
];

/** Header paths reachable from ADDON_HEADERS through `#include "..."` among the wheel's include/ entries. */
function headerClosure(zip) {
  const prefix = 'tensorflow/include/';
  const needed = new Map();
  const queue = [...ADDON_HEADERS];
  while (queue.length > 0) {
    const rel = queue.pop();
    if (needed.has(rel)) continue;
    const entry = zip.getEntry(prefix + rel);
    if (!entry) {
      if (ADDON_HEADERS.includes(rel)) throw new Error(`the wheel lacks the header ${rel}`);
      continue; // system or third-party headers the C API never reaches at compile time
    }
    const text = entry.getData();
    needed.set(rel, text);
    for (const match of text.toString('utf8').matchAll(/^\s*#\s*include\s+"([^"]+)"/gm)) queue.push(match[1]);
  }
  return needed;
}

function extractWheel(AdmZip, wheel, destDeps) {
  const zip = new AdmZip(wheel);
  const libs = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];
  for (const lib of libs) {
    const entry = zip.getEntry(`tensorflow/${lib}`);
    if (!entry) throw new Error(`${path.basename(wheel)} has no tensorflow/${lib}`);
    fs.writeFileSync(path.join(destDeps, 'lib', lib), entry.getData(), { mode: 0o755 });
  }
  const headers = headerClosure(zip);
  for (const [rel, text] of headers) {
    const out = path.join(destDeps, 'include', rel);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, text);
  }
  // The addon links -ltensorflow -ltensorflow_framework; the 2.9.1 name is the marker that makes tfjs-node's
  // install script skip its download. The addon records the libraries' sonames (libtensorflow_cc.so.2, ...),
  // which its rpath ($ORIGIN/../../deps/lib) finds.
  fs.symlinkSync('libtensorflow_cc.so.2', path.join(destDeps, 'lib', 'libtensorflow.so'));
  fs.symlinkSync('libtensorflow_cc.so.2', path.join(destDeps, 'lib', 'libtensorflow.so.2.9.1'));
  fs.symlinkSync('libtensorflow_framework.so.2', path.join(destDeps, 'lib', 'libtensorflow_framework.so'));
  return headers.size;
}

/** The CUDA wheels unpack under deps/nvidia, where TensorFlow's own rpath ($ORIGIN/../nvidia/...) looks. */
function extractRuntimeWheels(AdmZip, wheels, destDeps) {
  for (const wheel of wheels) {
    const zip = new AdmZip(wheel);
    for (const entry of zip.getEntries()) {
      if (entry.isDirectory || !entry.entryName.startsWith('nvidia/')) continue;
      const out = path.join(destDeps, entry.entryName);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, entry.getData(), { mode: 0o755 });
    }
  }
}

function stageFromWheel(variant) {
  const { pkg, wheelSpec, runtimeSpec } = VARIANTS[variant];
  const python = findPython();
  if (!python) throw new Error('no Python with pip found (tried $BIGAN_PYTHON, python3, python); install python3-pip');
  const AdmZip = require('adm-zip');
  const specFile = path.join(root, 'scripts', 'native', wheelSpec);
  const cache = cacheDir();
  log(`downloading the TensorFlow wheel named in ${path.relative(root, specFile)} into ${cache} (hash-checked by pip)`);
  pipDownload(python, specFile, cache, { hashes: true });
  const [distribution] = requirementNames(specFile);
  const version = fs.readFileSync(specFile, 'utf8').match(/==([^\s]+)/)[1];
  const wheel = wheelFor(cache, distribution, version);

  const deps = path.join(packageDir(pkg), 'deps');
  const staging = `${deps}.staging`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(path.join(staging, 'lib'), { recursive: true });
  fs.mkdirSync(path.join(staging, 'include'), { recursive: true });
  const headers = extractWheel(AdmZip, wheel, staging);
  if (runtimeSpec && !systemHasCudaRuntime()) {
    const runtimeFile = path.join(root, 'scripts', 'native', runtimeSpec);
    const runtimeCache = path.join(cache, 'cuda');
    fs.mkdirSync(runtimeCache, { recursive: true });
    log('no system CUDA 12 runtime found: staging the nvidia-*-cu12 wheels beside libtensorflow');
    pipDownload(python, runtimeFile, runtimeCache, { hashes: false });
    extractRuntimeWheels(
      AdmZip,
      fs
        .readdirSync(runtimeCache)
        .filter((f) => f.endsWith('.whl'))
        .map((f) => path.join(runtimeCache, f)),
      staging,
    );
  }
  fs.writeFileSync(
    path.join(staging, 'SOURCE.json'),
    JSON.stringify(
      {
        wheel: path.basename(wheel),
        sha256: sha256(wheel),
        headers,
        stagedBy: 'scripts/install-native.mjs',
      },
      null,
      2,
    ),
  );
  // Swap the whole folder at once, so an interrupted run never leaves half a library where the marker says
  // it is complete.
  fs.rmSync(deps, { recursive: true, force: true });
  fs.renameSync(staging, deps);
  log(`staged ${path.basename(wheel)} (${headers} headers) into ${path.relative(root, deps)}`);
}

function systemHasCudaRuntime() {
  const ldconfig = run('ldconfig', ['-p']);
  return ldconfig.ok && /libcudart\.so\.12/.test(ldconfig.output) && /libcudnn\.so\.8/.test(ldconfig.output);
}

/** CUDA is present when the driver library is: without it a GPU build of TensorFlow would quietly use the CPU. */
export function cudaDriverPresent() {
  const ldconfig = run('ldconfig', ['-p']);
  return ldconfig.ok && /libcuda\.so\.1\b/.test(ldconfig.output);
}

function rebuildAddon(pkg) {
  // npm puts node-pre-gyp and node-gyp on PATH for the package's install script.
  const result = run('npm', ['rebuild', pkg, '--foreground-scripts'], {
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  return result;
}

export function installNative({ variant = 'cpu', route = 'auto' } = {}) {
  const { pkg } = VARIANTS[variant];
  const before = probe(pkg);
  if (before.ok) {
    log(`${pkg} already loads (TensorFlow ${before.tensorflow})`);
    return { ok: true, route: 'existing', tensorflow: before.tensorflow };
  }
  if (route !== 'wheel') {
    log(`building ${pkg} with its own install script (downloads libtensorflow where the internet is open)`);
    const result = rebuildAddon(pkg);
    const after = result.ok ? probe(pkg) : { ok: false };
    if (after.ok) {
      log(`${pkg} loads (TensorFlow ${after.tensorflow}) through its own download`);
      return { ok: true, route: 'download', tensorflow: after.tensorflow };
    }
    log(`its own download did not work:\n${lastLines(result.output, 3)}`);
    if (route === 'download') return { ok: false, route, reason: 'download failed' };
  }
  try {
    stageFromWheel(variant);
  } catch (error) {
    return { ok: false, route: 'wheel', reason: error.message };
  }
  log(`building the ${pkg} addon from source with node-gyp against the staged library`);
  const built = rebuildAddon(pkg);
  if (!built.ok) return { ok: false, route: 'wheel', reason: `node-gyp build failed:\n${lastLines(built.output, 12)}` };
  const after = probe(pkg);
  if (!after.ok) return { ok: false, route: 'wheel', reason: `the built addon does not load:\n${after.reason}` };
  log(`${pkg} loads (TensorFlow ${after.tensorflow}) from the PyPI wheel`);
  return { ok: true, route: 'wheel', tensorflow: after.tensorflow };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2));
  const result = installNative(args);
  if (!result.ok) {
    console.error(`[native] ${VARIANTS[args.variant].pkg} is not usable: ${result.reason}`);
    if (args.strict) process.exit(1);
  }
}
