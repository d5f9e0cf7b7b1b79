import path from 'node:path';
import { initBackend } from '../backend/backend.js';
import { loadMnist } from '../data/mnist.js';
import { testSetMap } from '../tsne/latent-map.js';
import { figuresDir } from '../util/paths.js';
import { loadRunModel } from '../training/run-model.js';
import { classScatterFigure } from '../plots/charts.js';
import { exportFigure } from '../plots/export.js';
import { formatsFlag, integerFlag, outFolderFlag } from './flags.js';

/** `bigan tsne --run DIR | --pixels [--n 10000] [--out FOLDER] [--formats svg,png,html] [--json]`. */
export async function tsneCommand(flags: {
  run?: string;
  pixels: boolean;
  n?: string;
  out?: string;
  formats?: string;
  json: boolean;
}): Promise<number> {
  if (Boolean(flags.run) === flags.pixels) throw new Error('give exactly one of --run DIR and --pixels');
  const n = integerFlag('n', flags.n, { min: 10, max: 10000 }) ?? 10000;
  const formats = formatsFlag(flags.formats);
  const out = outFolderFlag(flags.out);
  await initBackend();
  const loaded = flags.run ? await loadRunModel(flags.run) : null;
  const map = testSetMap(loaded?.model ?? null, loadMnist().test, n, {
    progress: flags.json
      ? undefined
      : (iteration, kl) => process.stderr.write(`\rt-SNE iteration ${iteration}/1000, KL ${kl.toFixed(3)}`),
  });
  if (!flags.json) process.stderr.write('\n');
  const subject = loaded ? `${loaded.run.config.model}, epoch ${loaded.epoch}` : 'raw pixels';
  const figure = classScatterFigure(map.points, map.labels, {
    title: `t-SNE of ${n} test digits: ${subject} (2-D 5NN ${(map.knn5 * 100).toFixed(1)}%)`,
  });
  const base = out
    ? path.join(out, 'tsne')
    : loaded
      ? path.join(loaded.run.dir, 'figures', 'tsne')
      : path.join(figuresDir(), 'tsne-pixels');
  const files = await exportFigure(figure, base, formats);
  const record = { subject, points: n, kl: map.kl, knn5: map.knn5, seconds: map.seconds, files };
  if (flags.json) console.log(JSON.stringify(record));
  else
    console.log(
      `${subject}: KL ${map.kl.toFixed(3)}, 2-D 5NN ${(map.knn5 * 100).toFixed(2)}%, ${map.seconds.toFixed(1)} s\n${files.join('\n')}`,
    );
  if (loaded) loaded.model.dispose();
  return 0;
}
