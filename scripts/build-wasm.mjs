// `node scripts/build-wasm.mjs [--check]`: compiles the WebAssembly text sources of lib/ (lib/tsne/*.wat)
// into the binaries committed beside them, or with --check exits 1 when a committed binary differs from its
// source's compilation. The binaries are committed so that the library loads them synchronously, in any thread,
// without wabt; wabt is needed only to rebuild them.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';

export const SOURCES = ['lib/tsne/attraction.wat', 'lib/tsne/repulsion.wat'];

/** The binary of a .wat source (SIMD enabled), as wabt writes it. */
export async function compileWat(file) {
  const tools = await wabt();
  const module = tools.parseWat(path.basename(file), fs.readFileSync(file, 'utf8'), { simd: true });
  try {
    module.validate();
    return Buffer.from(module.toBinary({ write_debug_names: false }).buffer);
  } finally {
    module.destroy();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const source of SOURCES) {
    const binary = await compileWat(path.join(root, source));
    const target = path.join(root, source.replace(/\.wat$/, '.wasm'));
    if (check) {
      const same = fs.existsSync(target) && Buffer.compare(fs.readFileSync(target), binary) === 0;
      if (!same) {
        console.error(
          `${path.relative(root, target)} is not the compilation of ${source}: run node scripts/build-wasm.mjs`,
        );
        stale++;
      }
    } else {
      const temporary = `${target}.tmp`;
      fs.writeFileSync(temporary, binary);
      fs.renameSync(temporary, target);
      console.log(`${source} -> ${path.relative(root, target)} (${binary.length} bytes)`);
    }
  }
  process.exitCode = stale > 0 ? 1 : 0;
}
