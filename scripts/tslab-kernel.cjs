#!/usr/bin/env node
// Jupyter starts this kernel (see the kernelspec that `npm run setup` writes). It is tslab's TypeScript kernel,
// started from the project root instead of the notebook's folder: tslab only compiles files under its working
// directory, so this is what lets a notebook cell `import { ... } from './lib/...'`. Cells therefore read and
// write paths relative to the project root, exactly as the `bigan` CLI does.
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const connectionFile = process.argv[2];
if (!connectionFile) {
  console.error('usage: tslab-kernel.cjs CONNECTION_FILE');
  process.exit(2);
}
process.chdir(root);
const { startKernel } = require(path.join(root, 'node_modules', 'tslab', 'dist', 'main.js'));
startKernel({ configPath: connectionFile, enableFindLocal: false });
