import fs from 'node:fs';

/**
 * Whether this machine has a GPU device node, judged here independently of lib/backend so that the tests that
 * branch on it check the library's own judgement rather than repeat it.
 */
export function hasGpuDevice(): boolean {
  return (
    fs.existsSync('/dev/nvidia0') ||
    (fs.existsSync('/dev/dri') && fs.readdirSync('/dev/dri').some((f) => f.startsWith('renderD')))
  );
}
