import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../util/paths.js';

const compiled = new Map<string, WebAssembly.Module>();

/**
 * An instance of lib/tsne/NAME.wasm (compiled from NAME.wat by scripts/build-wasm.mjs), its module compiled once
 * per thread. Found from the project root, not from this file: the notebooks' kernel compiles lib/ to CommonJS,
 * where `import.meta.url` does not exist.
 */
export function instantiate(name: string, imports: WebAssembly.Imports = {}): WebAssembly.Instance {
  let module = compiled.get(name);
  if (module === undefined) {
    module = new WebAssembly.Module(fs.readFileSync(path.join(projectRoot(), 'lib', 'tsne', `${name}.wasm`)));
    compiled.set(name, module);
  }
  return new WebAssembly.Instance(module, imports);
}

/** Grows `memory` to at least `bytes`. */
export function ensureBytes(memory: WebAssembly.Memory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
}
