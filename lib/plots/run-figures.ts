import type { MnistSplit } from '../data/mnist.js';
import { conditionalSamples, examplesPerDigit, generateSamples, reconstruct } from '../eval/samples.js';
import type { EpochRecord } from '../io/run-folder.js';
import type { AdversarialModel } from '../models/adversarial-model.js';
import { OFFICIAL_MNIST_LOG, type ReferencePoint } from '../experiments/references.js';
import type { RunResults } from '../experiments/results.js';
import type { ProtocolResults } from '../experiments/official-protocol.js';
import type { EvaluationSplitName } from '../eval/evaluation-split.js';
import { lineChartFigure } from './charts.js';
import { baseLayout } from './figure.js';
import type { Figure } from './figure.js';
import { imageGridFigure } from './image-grid.js';

/** `rows` x `columns` samples G(z) from a fixed seed. */
export function samplesFigure(
  model: AdversarialModel,
  options: { rows?: number; columns?: number; seed?: number; title?: string } = {},
): Figure {
  const { rows = 4, columns = 10, seed = 1234, title = 'samples G(z)' } = options;
  const samples = generateSamples(model, rows * columns, seed);
  return imageGridFigure(
    Array.from({ length: rows }, (_, r) => ({
      label: `G(z) ${r + 1}`,
      images: samples.slice(r * columns, (r + 1) * columns),
    })),
    { title },
  );
}

/** A conditional G reconstructs with the digit's own label. */
export function reconstructionName(model: AdversarialModel): string {
  return model.conditional ? 'G(E(x), c)' : 'G(E(x))';
}

/** Test digits x above their reconstructions G(E(x)), `perDigit` examples of each digit. */
export function reconstructionsFigure(
  model: AdversarialModel,
  test: MnistSplit,
  options: { perDigit?: number; title?: string } = {},
): Figure {
  const reconstruction = reconstructionName(model);
  const { perDigit = 2, title = `x and ${reconstruction}` } = options;
  const indices = examplesPerDigit(test, perDigit);
  const { originals, reconstructions } = reconstruct(model, test, indices);
  return imageGridFigure(
    [
      { label: 'x', images: originals },
      { label: reconstruction, images: reconstructions },
    ],
    {
      title,
      columnLabels: indices.map((i) => String(test.labels[i])),
    },
  );
}

/** The mean of each named loss per epoch. */
export function lossCurvesFigure(history: EpochRecord[], title = 'training losses'): Figure {
  const names = [...new Set(history.flatMap((r) => Object.keys(r.losses)))].filter((n) => !n.endsWith('/total'));
  return lineChartFigure(
    names.map((name) => ({ name, x: history.map((r) => r.epoch + 1), y: history.map((r) => r.losses[name]) })),
    { title, xTitle: 'epoch', yTitle: 'loss' },
  );
}

/** One row per digit c of G(z, c); with `sharedLatents` each column keeps its z while the digit changes. */
export function conditionalSamplesFigure(
  model: AdversarialModel,
  options: { columns?: number; sharedLatents?: boolean; seed?: number; title?: string } = {},
): Figure {
  const { columns = 10, sharedLatents = false, seed = 1234 } = options;
  const rows = conditionalSamples(model, columns, sharedLatents, seed);
  const title =
    options.title ?? (sharedLatents ? 'G(z, c): z fixed per column, c per row' : 'G(z, c): one row per digit c');
  return imageGridFigure(
    rows.map((images, digit) => ({ label: `c = ${digit}`, images })),
    { title },
  );
}

/**
 * 1NN accuracy of a long run at every epoch evaluated (its milestones), on E(x) and on the penultimate layer,
 * beside the published points that give an epoch (drawn as markers of the same colour as the layer they compare
 * with).
 */
export function accuracyByEpochFigure(results: RunResults, references: ReferencePoint[], title?: string): Figure {
  const milestones = results.milestones ?? [{ epoch: results.epoch, metrics: results.metrics }];
  const colours = { latent: '#1f77b4', features: '#d62728' };
  const layers = [
    {
      layer: 'latent' as const,
      name: `E(x), ${results.metrics.latentSize}-d`,
      value: (m: (typeof milestones)[0]) => m.metrics.knnLatent,
    },
    {
      layer: 'features' as const,
      name: `penultimate, ${results.metrics.featureSize}-d`,
      value: (m: (typeof milestones)[0]) => m.metrics.knnFeatures,
    },
  ];
  const percent = (a: number) => Math.round(a * 10000) / 100;
  const ours = layers.map(({ layer, name, value }) => ({
    type: 'scatter',
    mode: 'lines+markers',
    name: `${results.name}: ${name}`,
    x: milestones.map((m) => m.epoch),
    y: milestones.map((m) => percent(value(m))),
    line: { color: colours[layer] },
  }));
  const published = references
    .filter((r) => r.epoch !== undefined && r.layer !== undefined)
    .map((r) => ({
      type: 'scatter',
      mode: 'markers',
      name: `${r.source}: ${r.representation}`,
      x: [r.epoch],
      y: [percent(r.accuracy)],
      marker: {
        symbol: r.source.startsWith('PyTorch') ? 'square-open' : 'diamond-open',
        size: 11,
        color: colours[r.layer!],
      },
    }));
  return {
    data: [...ours, ...published],
    layout: {
      ...baseLayout(title ?? `${results.name}: 1NN accuracy by epoch (60,000 -> 10,000)`, 760, 560),
      xaxis: { title: { text: 'epoch' }, range: [-10, 420], gridcolor: '#eee', zeroline: false },
      yaxis: { title: { text: '1NN accuracy (%)' }, gridcolor: '#eee' },
      // Below the plot: headless export cannot measure the legend's text to make room beside it.
      legend: { orientation: 'h', x: 0, y: -0.18, yanchor: 'top' },
      margin: { l: 60, r: 30, t: 50, b: 170 },
    },
  };
}

/**
 * The official protocol's accuracy by epoch on one split: every seed's E(x) and penultimate layer (one line each,
 * a dash per seed), beside the official code's published points (its validation split; drawn on that split only).
 */
export function protocolByEpochFigure(results: ProtocolResults, split: EvaluationSplitName = 'validation'): Figure {
  const colours = { knnLatent: '#1f77b4', knnFeatures: '#d62728' };
  const names = { knnLatent: 'E(x), 50-d', knnFeatures: 'penultimate, 1024-d' };
  const dashes = ['solid', 'dash', 'dot', 'dashdot'];
  const percent = (a: number) => Math.round(a * 10000) / 100;
  const seeds = [...new Set(results.evaluations.map((e) => e.seed))];
  const lines = seeds.flatMap((seed, i) =>
    (['knnLatent', 'knnFeatures'] as const).map((representation) => {
      const points = results.evaluations.filter((e) => e.seed === seed && e.split === split);
      return {
        type: 'scatter',
        mode: 'lines+markers',
        name: `ours, seed ${seed}: ${names[representation]}`,
        x: points.map((e) => e.epoch),
        y: points.map((e) => percent(e[representation])),
        line: { color: colours[representation], dash: dashes[i % dashes.length] },
      };
    }),
  );
  // Every point the official run printed (epochs 0, 1, 25, 200 and 400), on its own split: markers only, since
  // nothing is known between them.
  const official =
    split === 'validation'
      ? (['knnLatent', 'knnFeatures'] as const).map((representation) => ({
          type: 'scatter',
          mode: 'markers',
          name: `official code (one run, its printed log): ${names[representation]}`,
          x: OFFICIAL_MNIST_LOG.map((p) => p.epoch),
          y: OFFICIAL_MNIST_LOG.map((p) => percent(p[representation])),
          marker: { symbol: 'diamond-open', size: 11, color: colours[representation] },
        }))
      : [];
  const pixels = results.pixels[split];
  return {
    data: [...lines, ...official],
    layout: {
      ...baseLayout(`official protocol, ${split} split: 1NN accuracy by epoch, every seed`, 760, 560),
      xaxis: { title: { text: 'epoch' }, range: [-10, 420], gridcolor: '#eee', zeroline: false },
      yaxis: { title: { text: '1NN accuracy (%)' }, gridcolor: '#eee' },
      shapes:
        pixels === undefined
          ? []
          : [
              {
                type: 'line',
                xref: 'paper',
                x0: 0,
                x1: 1,
                y0: percent(pixels),
                y1: percent(pixels),
                line: { color: '#999', dash: 'dot' },
              },
            ],
      annotations:
        pixels === undefined
          ? []
          : [
              {
                // At the left, where no run has a point yet: at the right it would sit on the epoch-400 markers.
                xref: 'paper',
                x: 0.01,
                y: percent(pixels),
                text: `raw pixels ${percent(pixels)}%`,
                showarrow: false,
                yanchor: 'bottom',
                xanchor: 'left',
              },
            ],
      legend: { orientation: 'h', x: 0, y: -0.18, yanchor: 'top' },
      margin: { l: 60, r: 30, t: 50, b: 190 },
    },
  };
}
