#!/usr/bin/env node
// One command from a fresh clone to a working project: `npm run setup`.
//
// 1. npm ci with install scripts held back, so that tfjs-node's download (which fails offline) cannot abort it;
//    the other packages' install scripts run right after.
// 2. Native TensorFlow for tfjs-node (and tfjs-node-gpu where a CUDA driver is present): scripts/install-native.mjs.
// 3. System tools from Debian's packages when missing and apt-get is usable: Chromium (the browser tests), MathJax
//    (formulas in HTML exports, offline), Slurm and munge (the cluster tests start a one-node Slurm), PyTorch and
//    scikit-learn (benchmark peers).
// 4. The Jupyter front end in .venv/ (JupyterLab, Notebook 7, nbconvert, plotly's renderer; hash-pinned from PyPI)
//    and this checkout's kernel `bigan-tslab` registered there (tslab's TypeScript kernel, started from the root).
// 5. The main job: `bigan info`, which reports the backend and checks the MNIST files.
//
// Options: --no-system (skip apt-get), --gpu (try tfjs-node-gpu even without a CUDA driver), --skip-npm.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installJupyter, KERNEL_NAME, registerKernel } from './jupyter-kernel.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
for (const a of args) {
  if (!['--no-system', '--gpu', '--skip-npm'].includes(a)) {
    console.error(`setup: unknown option ${a} (known: --no-system, --gpu, --skip-npm)`);
    process.exit(2);
  }
}

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];
// Debian package -> the check that says it is already there.
const SYSTEM_PACKAGES = [
  { name: 'chromium', present: () => has('chromium', ['--version']) },
  { name: 'libjs-mathjax', present: () => fs.existsSync('/usr/share/javascript/mathjax/MathJax.js') },
  { name: 'slurm-wlm', present: () => fs.existsSync('/usr/sbin/slurmctld') && fs.existsSync('/usr/sbin/slurmd') },
  { name: 'munge', present: () => fs.existsSync('/usr/sbin/munged') },
  { name: 'python3-sklearn', present: () => pythonImports('sklearn') },
  { name: 'python3-torch', present: () => pythonImports('torch') },
];

function step(title) {
  console.log(`\n== ${title}`);
}

function sh(cmd, cmdArgs, options = {}) {
  const result = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) throw new Error(`${cmd} ${cmdArgs.join(' ')} exited with ${result.status ?? result.signal}`);
}

function has(cmd, cmdArgs) {
  return spawnSync(cmd, cmdArgs, { stdio: 'ignore' }).status === 0;
}

// Debian's python3 is where apt installs these modules; a pyenv python3 earlier on PATH would not see them.
function pythonImports(module) {
  return ['/usr/bin/python3', 'python3'].some((py) => has(py, ['-c', `import ${module}`]));
}

function installNpmPackages() {
  step('npm packages (lockfile, install scripts held back)');
  sh('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund']);
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const withScripts = Object.entries(lock.packages)
    .filter(([, meta]) => meta.hasInstallScript)
    .map(([where]) => where.replace(/^.*node_modules\//, ''))
    .filter((name) => !NATIVE_PACKAGES.includes(name));
  if (withScripts.length > 0) {
    step(`install scripts of ${withScripts.join(', ')}`);
    sh('npm', ['rebuild', ...new Set(withScripts), '--foreground-scripts']);
  }
}

function installSystemPackages() {
  const missing = SYSTEM_PACKAGES.filter((p) => !p.present()).map((p) => p.name);
  step(`system packages: ${missing.length === 0 ? 'all present' : `missing ${missing.join(', ')}`}`);
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  if (!has('apt-get', ['--version']) || (!isRoot && !has('sudo', ['-n', 'true']))) {
    console.log(
      `  apt-get is not usable here; install them by hand for notebooks, the HTML test and benchmark peers: ${missing.join(' ')}`,
    );
    return;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (...aptArgs) => {
    const command = [...(isRoot ? [] : ['sudo', '-n']), 'apt-get', ...aptArgs];
    sh(command[0], command.slice(1), { env });
  };
  apt('update', '-qq');
  apt('install', '-y', '-qq', '--no-install-recommends', ...missing);
}

async function installNativeTensorFlow() {
  const { installNative, cudaDriverPresent } = await import('./install-native.mjs');
  step('native TensorFlow (CPU)');
  const cpu = installNative({ variant: 'cpu' });
  if (args.has('--gpu') || cudaDriverPresent()) {
    step('native TensorFlow (GPU)');
    const gpu = installNative({ variant: 'gpu' });
    if (!gpu.ok) console.log(`  GPU TensorFlow is not usable (${gpu.reason}); CPU TensorFlow stays the default.`);
  } else {
    console.log('  (no CUDA driver found: GPU TensorFlow skipped)');
  }
  if (!cpu.ok) {
    console.log(
      '\n' +
        [
          '!! Native TensorFlow could not be installed:',
          `!!   ${cpu.reason.split('\n').join('\n!!   ')}`,
          '!! The project will run on the WASM backend, about 50 times slower. Fix the cause above and rerun',
          '!! `node scripts/install-native.mjs --strict`.',
        ].join('\n'),
    );
  }
}

/**
 * The bench's FAISS peer, into the same .venv (hash-checked). A failure is reported and the set-up goes on: only
 * `npm run bench` uses it, and it says so when FAISS is missing.
 */
function installBenchPeers() {
  step('bench peer: FAISS in .venv (pinned, hash-checked)');
  const pip = spawnSync(
    path.join(root, '.venv', 'bin', 'python'),
    ['-m', 'pip', 'install', '--quiet', '--require-hashes', '--no-deps', '-r', 'scripts/bench/requirements.txt'],
    { cwd: root, stdio: 'inherit' },
  );
  if (pip.status !== 0) console.error('FAISS could not be installed: npm run bench will leave its 1NN peer out');
}

try {
  const [major] = process.versions.node.split('.').map(Number);
  if (major < 20) throw new Error(`Node.js 20 or newer is needed, this is ${process.version}`);
  if (!args.has('--skip-npm')) installNpmPackages();
  if (!args.has('--no-system')) installSystemPackages();
  await installNativeTensorFlow();
  step('Jupyter front end in .venv (pinned, hash-checked)');
  installJupyter();
  installBenchPeers();
  step(`Jupyter kernel '${KERNEL_NAME}' of this checkout registered in ${registerKernel()}`);
  step('main job: bigan info');
  sh(process.execPath, [path.join(root, 'bin', 'bigan.js'), 'info']);
} catch (error) {
  console.error(`\nsetup failed: ${error.message}`);
  process.exit(1);
}
