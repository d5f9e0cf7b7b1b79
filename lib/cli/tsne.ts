import path from 'node:path';
import { initBackend } from '../backend/backend.js';
import { loadMnist } from '../data/mnist.js';
import { testSetMap } from '../tsne/latent-map.js';
import { figuresDir, projectRoot } from '../util/paths.js';
import { loadRunModel } from '../training/run-model.js';
import { classScatterFigure, mapGridFigure } from '../plots/charts.js';
import { exportFigure, type FigureFormat } from '../plots/export.js';
import { listPretrained, loadPretrained } from '../experiments/pretrained.js';
import { writeFileAtomic } from '../util/atomic.js';
import { formatsFlag, integerFlag, outFolderFlag } from './flags.js';
import { defineCommand } from './command.js';
import { percent } from '../util/format.js';

/**
 * `bigan tsne --run DIR | --pixels | --pretrained NAME,...|all [--n 10000] [--out FOLDER] [--formats svg,png,html]
 * [--json]`. With --pretrained: raw pixels' map and each shipped encoder's, each exported alone and all together as
 * one grid (`maps`), by default into data/results/figures/tsne/.
 */
export async function tsneCommand(flags: {
  run?: string;
  pixels: boolean;
  pretrained?: string;
  n?: string;
  out?: string;
  formats?: string;
  json: boolean;
}): Promise<number> {
  const n = integerFlag('n', flags.n, { min: 10, max: 10000 }) ?? 10000;
  const formats = formatsFlag(flags.formats);
  if (flags.pretrained !== undefined) {
    if (flags.run) throw new Error('give either --run DIR or --pretrained NAMES');
    return pretrainedMaps(flags.pretrained, n, outFolderFlag(flags.out ?? defaultMapsFolder())!, formats, flags.json);
  }
  if (Boolean(flags.run) === flags.pixels)
    throw new Error('give exactly one of --run DIR, --pixels and --pretrained NAMES');
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
      `${subject}: KL ${map.kl.toFixed(3)}, 2-D 5NN ${percent(map.knn5)}, ${map.seconds.toFixed(1)} s\n${files.join('\n')}`,
    );
  if (loaded) loaded.model.dispose();
  return 0;
}

const defaultMapsFolder = () => path.join(projectRoot(), 'data', 'results', 'figures', 'tsne');

/** Raw pixels' map and each pretrained encoder's: one figure each and the grid of all, plus their scores. */
async function pretrainedMaps(
  names: string,
  n: number,
  out: string,
  formats: FigureFormat[],
  json: boolean,
): Promise<number> {
  await initBackend();
  const chosen = names === 'all' ? listPretrained() : names.split(',').map((x) => x.trim());
  const test = loadMnist().test;
  const subjects: { name: string; title: string; map: ReturnType<typeof testSetMap> }[] = [];
  const pixels = testSetMap(null, test, n);
  subjects.push({ name: 'pixels', title: 'raw pixels', map: pixels });
  for (const name of chosen) {
    const { model, manifest } = await loadPretrained(name);
    try {
      subjects.push({ name, title: `${name} (pretrained, epoch ${manifest.epoch})`, map: testSetMap(model, test, n) });
    } finally {
      model.dispose();
    }
  }
  const files: string[] = [];
  for (const { name, title, map } of subjects) {
    const figure = classScatterFigure(map.points, map.labels, {
      title: `t-SNE of ${n} test digits: ${title} (2-D 5NN ${(map.knn5 * 100).toFixed(1)}%)`,
    });
    files.push(...(await exportFigure(figure, path.join(out, name), formats)));
  }
  const grid = mapGridFigure(
    subjects.map(({ title, map }) => ({ title: `${title}: 5NN ${(map.knn5 * 100).toFixed(1)}%`, ...map })),
    { title: `t-SNE of ${n} test digits`, columns: 3 },
  );
  files.push(...(await exportFigure(grid, path.join(out, 'maps'), formats)));
  const scores = subjects.map(({ name, map }) => ({ name, knn5: map.knn5, kl: map.kl, seconds: map.seconds }));
  writeFileAtomic(path.join(out, 'maps.json'), `${JSON.stringify({ points: n, maps: scores }, null, 1)}\n`);
  if (json) console.log(JSON.stringify({ points: n, maps: scores, files }));
  else {
    for (const s of scores)
      console.log(`${s.name}: 2-D 5NN ${percent(s.knn5)}, KL ${s.kl.toFixed(3)}, ${s.seconds.toFixed(0)} s`);
    console.log(files.join('\n'));
  }
  return 0;
}

/** `bigan tsne`. */
export const tsneCli = defineCommand({
  name: 'tsne',
  summary: "Barnes-Hut t-SNE of the test digits' E(x) (or raw pixels), exported as a figure",
  usage: `bigan tsne (--run DIR | --pixels | --pretrained NAME,...|all) [--n 10000] [--out FOLDER]
           [--formats svg,png,html] [--json]

Barnes-Hut t-SNE of the test digits' E(x) (or raw pixels), exported as a figure; --pretrained maps raw pixels and
each shipped encoder, alone and as one grid (data/results/figures/tsne/).`,
  options: {
    run: { type: 'string' },
    pixels: { type: 'boolean', default: false },
    pretrained: { type: 'string' },
    n: { type: 'string' },
    out: { type: 'string' },
    formats: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  run: (values) => tsneCommand(values),
});
