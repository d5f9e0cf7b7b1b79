import path from 'node:path';
import { initBackend } from '../backend/backend.js';
import { listPretrained } from '../experiments/pretrained.js';
import { exportExplorer } from '../plots/explorer.js';
import { figuresDir } from '../util/paths.js';
import { integerFlag, outFolderFlag } from './flags.js';
import { defineCommand } from './command.js';

/**
 * `bigan explore [--pretrained NAME,...|all] [--n 10000] [--out FOLDER]`: writes the latent-space explorer, a
 * static folder that opens from file:// or any static server, offline (default figures/explorer/).
 */
export async function exploreCommand(flags: { pretrained?: string; n?: string; out?: string }): Promise<number> {
  const n = integerFlag('n', flags.n, { min: 10, max: 10000 }) ?? 10000;
  const known = listPretrained();
  const pretrained = !flags.pretrained || flags.pretrained === 'all' ? known : flags.pretrained.split(',');
  for (const name of pretrained)
    if (!known.includes(name))
      throw new Error(`--pretrained: no shipped model '${name}' (shipped: ${known.join(', ')})`);
  const out = outFolderFlag(flags.out) ?? path.join(figuresDir(), 'explorer');
  await initBackend();
  const started = performance.now();
  const written = await exportExplorer({ pretrained, n, out, progress: (line) => console.error(line) });
  console.log(
    `explorer of ${pretrained.join(', ')} on ${n} test digits: ${written.out} (${(written.bytes / 2 ** 20).toFixed(1)} MB, ` +
      `${((performance.now() - started) / 1000).toFixed(0)} s); open ${path.join(written.out, 'index.html')}`,
  );
  return 0;
}

/** `bigan explore`. */
export const exploreCli = defineCommand({
  name: 'explore',
  summary: "the latent explorer: a static page of every shipped model's t-SNE map, x and G(E(x)) on hover",
  usage: `bigan explore [--pretrained NAME,...|all] [--n 10000] [--out FOLDER]

The latent explorer: a static page (default figures/explorer/index.html, works offline from file://) with each
shipped model's t-SNE map; hover a digit for x, G(E(x)) computed in the page and its nearest codes, click two for
the path between them, pick a class for a conditional G.`,
  options: { pretrained: { type: 'string' }, n: { type: 'string' }, out: { type: 'string' } },
  run: (values) => exploreCommand(values),
});
