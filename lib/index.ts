/**
 * The library's public API: what notebooks and users import (`import { ... } from './lib/index.js'`).
 * Grouped by layer, bottom to top (see lib/README.md); modules left out are internals of their layer.
 */
export * from './util/random.js';
export * from './util/paths.js';
export * from './backend/backend.js';
export * from './data/mnist.js';
export * from './losses/adversarial.js';
export * from './losses/hinge.js';
export * from './optim/adam.js';
export * from './models/adversarial-model.js';
export * from './models/bigan.js';
export * from './models/bigbigan.js';
export * from './config/training-config.js';
export * from './config/bigbigan-presets.js';
export * from './io/checkpoint.js';
export * from './io/run-folder.js';
export * from './training/registry.js';
export * from './training/optimizers.js';
export * from './training/step.js';
export * from './training/progress.js';
export * from './training/train.js';
export * from './training/cached-run.js';
export * from './training/run-model.js';
export * from './eval/knn.js';
export * from './eval/pca.js';
export * from './eval/linear-probe.js';
export * from './eval/representation.js';
export * from './eval/classifier.js';
export * from './eval/gan-scores.js';
export * from './eval/generation-scores.js';
export * from './eval/samples.js';
export * from './tsne/tsne.js';
export * from './tsne/latent-map.js';
export * from './experiments/references.js';
export * from './experiments/results.js';
export * from './experiments/ablations.js';
export * from './experiments/ablation-session.js';
export * from './experiments/statistics.js';
export * from './experiments/notebook-runs.js';
export * from './plots/figure.js';
export * from './plots/charts.js';
export * from './plots/image-grid.js';
export * from './plots/run-figures.js';
export * from './plots/export.js';
export * from './plots/show.js';
export * from './plots/notebook.js';
