import path from 'node:path';
import { loadMnist } from '../data/mnist.js';
import { exportFigure } from '../plots/export.js';
import { formatsFlag, outFolderFlag } from './flags.js';
import type { Figure } from '../plots/figure.js';
import {
  conditionalSamplesFigure,
  lossCurvesFigure,
  reconstructionName,
  reconstructionsFigure,
  samplesFigure,
} from '../plots/run-figures.js';
import { loadRunModel } from '../training/run-model.js';
import { defineCommand, required } from './command.js';

/**
 * `bigan plot --run DIR [--out FOLDER] [--formats svg,png,html] [--label TEXT]`: samples, reconstructions and loss
 * curves of a run, each title starting with the label when one is given.
 */
export async function plotCommand(flags: {
  run: string;
  out?: string;
  formats?: string;
  label?: string;
}): Promise<number> {
  const formats = formatsFlag(flags.formats);
  const { run, model, epoch } = await loadRunModel(flags.run);
  const out = outFolderFlag(flags.out) ?? path.join(run.dir, 'figures');
  const mnist = loadMnist();
  const figures: [string, Figure][] = [
    ['samples', samplesFigure(model, { title: `samples G(z), epoch ${epoch}` })],
    [
      'reconstructions',
      reconstructionsFigure(model, mnist.test, { title: `x and ${reconstructionName(model)}, epoch ${epoch}` }),
    ],
    ['losses', lossCurvesFigure(run.readHistory())],
  ];
  if (model.conditional) {
    figures.push(
      ['class-samples', conditionalSamplesFigure(model)],
      ['class-styles', conditionalSamplesFigure(model, { sharedLatents: true })],
    );
  }
  const written: string[] = [];
  for (const [name, figure] of figures) {
    const title = figure.layout.title as { text: string };
    if (flags.label) figure.layout.title = { ...title, text: `${flags.label}: ${title.text}` };
    written.push(...(await exportFigure(figure, path.join(out, name), formats)));
  }
  model.dispose();
  for (const file of written) console.log(file);
  return 0;
}

/** `bigan plot`. */
export const plotCli = defineCommand({
  name: 'plot',
  summary: "a run's samples G(z), reconstructions G(E(x)) and loss curves, exported as figures",
  usage: `bigan plot --run DIR [--out FOLDER] [--formats svg,png,html] [--label TEXT]

Samples G(z), reconstructions G(E(x)) and loss curves, exported (default DIR/figures); --label starts every
figure's title (say, the ablation row).`,
  options: {
    run: { type: 'string' },
    out: { type: 'string' },
    formats: { type: 'string' },
    label: { type: 'string' },
  },
  run: (values) => plotCommand({ ...values, run: required('run', values.run) }),
});
