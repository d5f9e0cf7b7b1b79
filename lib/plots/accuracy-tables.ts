import type { RepresentationMetrics } from '../eval/representation.js';
import { type ProtocolResults, protocolRows } from '../experiments/official-protocol.js';
import type { ReferencePoint } from '../experiments/references.js';
import type { RunResults } from '../experiments/results.js';
import { percent } from '../util/format.js';
import { tableFigure } from './charts.js';
import type { Figure } from './figure.js';

const COLUMNS = ['run', 'representation', 'split', '1NN accuracy'];

/**
 * A notebook's run (1NN on E(x) and the penultimate layer, raw pixels on the same digits) beside a long run's
 * recorded results (when there are any: E(x), penultimate layer, linear probe) and published reference points.
 */
export function accuracyTableFigure(
  run: { label: string; metrics: RepresentationMetrics; pixels: number },
  longRun: RunResults | null,
  references: ReferencePoint[],
): Figure {
  const rows = [
    [run.label, 'E(x)', 'test subset', percent(run.metrics.knnLatent)],
    [run.label, 'penultimate layer', 'test subset', percent(run.metrics.knnFeatures)],
    ['raw pixels (same subset)', 'x', 'test subset', percent(run.pixels)],
  ];
  if (longRun) {
    const { metrics, epoch, name } = longRun;
    const label = `long run ${name}: ${epoch} epochs, ${(longRun.trainingSeconds / 3600).toFixed(1)} h`;
    rows.push(
      [label, `E(x), ${metrics.latentSize}-d`, 'test', percent(metrics.knnLatent)],
      [label, `penultimate, ${metrics.featureSize}-d`, 'test', percent(metrics.knnFeatures)],
      [label, 'linear probe on E(x)', 'test', percent(metrics.linearProbeLatent)],
    );
  }
  rows.push(...references.map((r) => [r.source, r.representation, r.split, percent(r.accuracy)]));
  return tableFigure(COLUMNS, rows, { title: 'MNIST 1-nearest-neighbour accuracy' });
}

/**
 * The official protocol's table: ours at the latest epoch evaluated (mean ± 95% interval over seeds, both splits)
 * beside the official code's published run at epoch 200, and raw pixels.
 */
export function protocolTableFigure(results: ProtocolResults): Figure {
  const last = Math.max(...results.summary.map((s) => s.epoch));
  const published = last === 200 ? [] : protocolRows(results, 200).filter((r) => r[0].startsWith('official'));
  const title = `official protocol: ours at epoch ${last}, the official code's published run at 200`;
  return tableFigure(COLUMNS, [...protocolRows(results, last), ...published], { title });
}
