/**
 * The library's public API: what notebooks and users import (`import { ... } from './lib/index.js'`), named one by
 * one and grouped by the step of the tutorials that uses them. Everything else is internal to its layer (see
 * lib/README.md); test/public-api.test.ts lists these names, so that the API grows only on purpose.
 */

// Setup: the backend the machine offers best, and what it is.
export { describeBackend, initBackend, packageVersions, type BackendReport } from './backend/backend.js';

// Data: MNIST with pixels in [0, 1], batches of it, and the helpers notebooks use to show it.
export {
  IMAGE_SIZE,
  loadMnist,
  makeBatch,
  NUM_CLASSES,
  PIXELS,
  takeFirst,
  type Batch,
  type Mnist,
  type MnistSplit,
} from './data/mnist.js';
export { examplesPerDigit } from './eval/samples.js';

// Hyperparameters: validated configs with named presets, and BigBiGAN's Base per budget.
export {
  makeConfig,
  mergeConfig,
  PRESET_NAMES,
  type ConfigOverrides,
  type PresetName,
  type TrainingConfig,
} from './config/training-config.js';
export { BIGBIGAN_BASE } from './config/bigbigan-presets.js';

// Networks: the shared blocks every model is built from, the models themselves, and how to compare weights.
export { Random } from './util/random.js';
export { concat, denseStack, Initializer, trainableVariables, type DenseLayerSpec } from './models/blocks.js';
export { buildBigan, type BiganArchitecture, type BiganNetworks } from './models/bigan.js';
export { buildBigBigan, type BigBiganNetworks, type BigBiganSettings } from './models/bigbigan.js';
export type { AdversarialModel, StepInputs } from './models/adversarial-model.js';
export { largestWeightDifference, learnedParameters } from './models/network-weights.js';
export { createModel } from './training/registry.js';

// Losses: BiGAN's cross-entropy game and BigBiGAN's hinge on s_x, s_z and s_xz.
export {
  biganDiscriminatorLoss,
  biganEncoderGeneratorLoss,
  sigmoidCrossEntropy,
  type NamedLosses,
} from './losses/adversarial.js';
export { bigbiganDiscriminatorLoss, bigbiganEncoderGeneratorLoss, scoresInUse, type Scores } from './losses/hinge.js';

// Training: Adam per network, the one step every model takes, and the loop that repeats it.
export { createAdam, type Adam, type OptimizerSettings } from './optim/adam.js';
export { createOptimizersFor } from './training/optimizers.js';
export { simultaneousStep, trainStep } from './training/step.js';
export { DivergenceError, train, type TrainOptions, type TrainResult } from './training/train.js';
export { trainCached } from './training/cached-run.js';
export { consoleProgress, silentProgress, type ProgressReporter } from './training/progress.js';
export { loadRunModel, loadTrainedRun } from './training/run-model.js';
export { RunFolder, type EpochRecord } from './io/run-folder.js';
export { LONG_RUNS, QUICK_RUNS } from './experiments/notebook-runs.js';
export { listPretrained, loadPretrained, type Pretrained } from './experiments/pretrained.js';

// Evaluation: the representation (1NN, linear probe), generation (IS, FID), and their split.
export { nearestNeighbourAccuracy } from './eval/knn.js';
export { evaluateRepresentation, pixelNearestNeighbour, type RepresentationMetrics } from './eval/representation.js';
export { evaluationSplit, testSplit, type EvaluationSplit } from './eval/evaluation-split.js';
export { classControl } from './eval/classifier.js';
export { realDataScores } from './eval/generation-scores.js';
export { reconstructionAgreement } from './eval/reconstruction.js';
export { percent } from './util/format.js';

// t-SNE: maps of an encoder's test-set codes.
export { tsne, type TsneOptions, type TsneResult } from './tsne/tsne.js';
export { describeMixedPairs, mixedPairs, testSetMap } from './tsne/latent-map.js';

// Experiments: reference points, recorded results, ablations, analysis plans and their verdicts.
export { BIGAN_REFERENCES, type ReferencePoint } from './experiments/references.js';
export {
  barLine,
  laterEpochLines,
  officialLogLines,
  protocolBars,
  readProtocolResults,
  type ProtocolBar,
  type ProtocolResults,
} from './experiments/official-protocol.js';
export { readAblationTable, readConfirmatoryTable, readResults, type RunResults } from './experiments/results.js';
export { ABLATION_NAMES, ABLATIONS, ablationConfig, runAblations } from './experiments/ablations.js';
export { AblationSession } from './experiments/ablation-session.js';
export { metricLabel, tableMetrics } from './experiments/table-cells.js';
export { CURVE_METRICS, readCurveSet } from './experiments/learning-curve.js';
export { readPlan, validatePlan, type AnalysisPlan } from './experiments/analysis-plan.js';
export { judgeClaims, type ConfirmatoryClaim } from './experiments/confirmatory.js';
export { holm, minimumDetectableEffect, pairedTTest, signFlipTest } from './experiments/paired-tests.js';

// Figures: plotly figures of runs, tables and maps, shown inline and exported as SVG, PNG and HTML.
export type { Figure } from './plots/figure.js';
export { barChartFigure, classScatterFigure, mapGridFigure, tableFigure } from './plots/charts.js';
export { imageGridFigure } from './plots/image-grid.js';
export {
  accuracyByEpochFigure,
  conditionalSamplesFigure,
  lossCurvesFigure,
  protocolByEpochFigure,
  reconstructionsFigure,
  samplesFigure,
} from './plots/run-figures.js';
export { accuracyTableFigure, protocolTableFigure } from './plots/accuracy-tables.js';
export {
  ablationMetricFigure,
  ablationRowsFigure,
  claimsFigure,
  claimsForestFigure,
  learningCurvesFigure,
} from './plots/ablation-figures.js';
export { exportFigure, FIGURE_FORMATS, type FigureFormat } from './plots/export.js';
export { showAndExport } from './plots/notebook.js';
export { showExplorer, showImageFile } from './plots/show.js';
export { exportExplorer } from './plots/explorer.js';
export { besideNotebook } from './util/paths.js';
