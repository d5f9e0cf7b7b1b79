import type { MnistSplit } from '../data/mnist.js';
import { examplesPerDigit, generateSamples, reconstruct } from '../eval/samples.js';
import type { EpochRecord } from '../io/run-folder.js';
import type { AdversarialModel } from '../training/adversarial-model.js';
import { lineChartFigure } from './charts.js';
import type { Figure } from './figure.js';
import { imageGridFigure } from './image-grid.js';

/** `rows` x `columns` samples G(z) from a fixed seed. */
export function samplesFigure(model: AdversarialModel, options: { rows?: number; columns?: number; seed?: number; title?: string } = {}): Figure {
  const { rows = 4, columns = 10, seed = 1234, title = 'samples G(z)' } = options;
  const samples = generateSamples(model, rows * columns, seed);
  return imageGridFigure(Array.from({ length: rows }, (_, r) => ({ label: `G(z) ${r + 1}`, images: samples.slice(r * columns, (r + 1) * columns) })), { title });
}

/** Test digits x above their reconstructions G(E(x)), `perDigit` examples of each digit. */
export function reconstructionsFigure(model: AdversarialModel, test: MnistSplit, options: { perDigit?: number; title?: string } = {}): Figure {
  const { perDigit = 2, title = 'x and G(E(x))' } = options;
  const indices = examplesPerDigit(test, perDigit);
  const { originals, reconstructions } = reconstruct(model, test, indices);
  return imageGridFigure([{ label: 'x', images: originals }, { label: 'G(E(x))', images: reconstructions }], {
    title, columnLabels: indices.map((i) => String(test.labels[i])),
  });
}

/** The mean of each named loss per epoch. */
export function lossCurvesFigure(history: EpochRecord[], title = 'training losses'): Figure {
  const names = [...new Set(history.flatMap((r) => Object.keys(r.losses)))].filter((n) => !n.endsWith('/total'));
  return lineChartFigure(
    names.map((name) => ({ name, x: history.map((r) => r.epoch + 1), y: history.map((r) => r.losses[name]) })),
    { title, xTitle: 'epoch', yTitle: 'loss' },
  );
}
