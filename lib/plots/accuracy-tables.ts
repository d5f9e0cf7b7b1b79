import type { RepresentationMetrics } from '../eval/representation.js';
import { PROTOCOL_COLUMNS, protocolCells, type ProtocolResults } from '../experiments/official-protocol.js';
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
 * The official protocol's table at the epochs the bars read (200, and 400 where a seed went on; the latest epoch
 * evaluated while neither is in): ours on both splits, mean ± 95% interval over seeds, beside the official code's
 * published run, raw pixels and the PyTorch reproduction.
 */
export function protocolTableFigure(results: ProtocolResults): Figure {
  const evaluated = results.summary.map((s) => s.epoch);
  const headline = [200, 400].filter((e) => evaluated.includes(e));
  const epochs = headline.length > 0 ? headline : [Math.max(...evaluated)];
  const title = `official protocol: ours at epoch ${epochs.join(' and ')} beside the official code's published run`;
  return tableFigure(PROTOCOL_COLUMNS, protocolCells(results, epochs), { title });
}
