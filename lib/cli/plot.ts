import path from 'node:path';
import { loadMnist } from '../data/mnist.js';
import { FIGURE_FORMATS, type FigureFormat, exportFigure } from '../plots/export.js';
import { conditionalSamplesFigure, lossCurvesFigure, reconstructionName, reconstructionsFigure, samplesFigure } from '../plots/run-figures.js';
import { loadRunModel } from '../io/run-model.js';

/** `bigan plot --run DIR [--out FOLDER] [--formats svg,png,html]`: samples, reconstructions and loss curves of a run. */
export async function plotCommand(flags: { run: string; out?: string; formats?: string }): Promise<number> {
  const formats = (flags.formats ?? FIGURE_FORMATS.join(',')).split(',').map((f) => f.trim()) as FigureFormat[];
  const { run, model, epoch } = await loadRunModel(flags.run);
  const out = flags.out ?? path.join(run.dir, 'figures');
  const mnist = loadMnist();
  const written = [
    ...(await exportFigure(samplesFigure(model, { title: `samples G(z), epoch ${epoch}` }), path.join(out, 'samples'), formats)),
    ...(await exportFigure(reconstructionsFigure(model, mnist.test, { title: `x and ${reconstructionName(model)}, epoch ${epoch}` }), path.join(out, 'reconstructions'), formats)),
    ...(await exportFigure(lossCurvesFigure(run.readHistory()), path.join(out, 'losses'), formats)),
  ];
  if (model.conditional) {
    written.push(...(await exportFigure(conditionalSamplesFigure(model), path.join(out, 'class-samples'), formats)));
    written.push(...(await exportFigure(conditionalSamplesFigure(model, { sharedLatents: true }), path.join(out, 'class-styles'), formats)));
  }
  Object.values(model.networks).forEach((n) => n.dispose());
  for (const file of written) console.log(file);
  return 0;
}
