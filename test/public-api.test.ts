import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import ts from 'typescript';
import * as api from '../lib/index.js';

/**
 * Every name lib/index.ts exports, by the tutorial step that uses it. Adding or removing a public name means
 * changing this list too: the API grows on purpose, not by accident.
 */
const PUBLIC_NAMES = {
  setup: ['BackendReport', 'describeBackend', 'initBackend', 'packageVersions'],
  data: [
    'Batch',
    'examplesPerDigit',
    'IMAGE_SIZE',
    'loadMnist',
    'makeBatch',
    'Mnist',
    'MnistSplit',
    'NUM_CLASSES',
    'PIXELS',
    'takeFirst',
  ],
  hyperparameters: [
    'BIGBIGAN_BASE',
    'ConfigOverrides',
    'makeConfig',
    'mergeConfig',
    'PRESET_NAMES',
    'PresetName',
    'TrainingConfig',
  ],
  networks: [
    'AdversarialModel',
    'BiganArchitecture',
    'BiganNetworks',
    'BigBiganNetworks',
    'BigBiganSettings',
    'buildBigan',
    'buildBigBigan',
    'concat',
    'createModel',
    'DenseLayerSpec',
    'denseStack',
    'Initializer',
    'largestWeightDifference',
    'learnedParameters',
    'Random',
    'StepInputs',
    'trainableVariables',
  ],
  losses: [
    'biganDiscriminatorLoss',
    'biganEncoderGeneratorLoss',
    'bigbiganDiscriminatorLoss',
    'bigbiganEncoderGeneratorLoss',
    'NamedLosses',
    'Scores',
    'scoresInUse',
    'sigmoidCrossEntropy',
  ],
  training: [
    'Adam',
    'consoleProgress',
    'createAdam',
    'createOptimizersFor',
    'DivergenceError',
    'EpochRecord',
    'listPretrained',
    'loadPretrained',
    'loadRunModel',
    'loadTrainedRun',
    'LONG_RUNS',
    'OptimizerSettings',
    'Pretrained',
    'ProgressReporter',
    'QUICK_RUNS',
    'RunFolder',
    'silentProgress',
    'simultaneousStep',
    'train',
    'trainCached',
    'TrainOptions',
    'TrainResult',
    'trainStep',
  ],
  evaluation: [
    'classControl',
    'evaluateRepresentation',
    'evaluationSplit',
    'EvaluationSplit',
    'nearestNeighbourAccuracy',
    'percent',
    'pixelNearestNeighbour',
    'realDataScores',
    'reconstructionAgreement',
    'RepresentationMetrics',
    'testSplit',
  ],
  tsne: ['describeMixedPairs', 'mixedPairs', 'testSetMap', 'tsne', 'TsneOptions', 'TsneResult'],
  experiments: [
    'ABLATION_NAMES',
    'ablationConfig',
    'ABLATIONS',
    'AblationSession',
    'AnalysisPlan',
    'BIGAN_REFERENCES',
    'ConfirmatoryClaim',
    'CURVE_METRICS',
    'holm',
    'judgeClaims',
    'metricLabel',
    'minimumDetectableEffect',
    'pairedTTest',
    'ProtocolBar',
    'protocolBars',
    'barLine',
    'laterEpochLines',
    'officialLogLines',
    'ProtocolResults',
    'readAblationTable',
    'readConfirmatoryTable',
    'readCurveSet',
    'readPlan',
    'readProtocolResults',
    'readResults',
    'ReferencePoint',
    'runAblations',
    'RunResults',
    'signFlipTest',
    'tableMetrics',
    'validatePlan',
  ],
  figures: [
    'ablationMetricFigure',
    'ablationRowsFigure',
    'accuracyByEpochFigure',
    'accuracyTableFigure',
    'barChartFigure',
    'besideNotebook',
    'claimsFigure',
    'claimsForestFigure',
    'classScatterFigure',
    'conditionalSamplesFigure',
    'exportExplorer',
    'exportFigure',
    'Figure',
    'FIGURE_FORMATS',
    'FigureFormat',
    'imageGridFigure',
    'learningCurvesFigure',
    'lossCurvesFigure',
    'mapGridFigure',
    'protocolByEpochFigure',
    'protocolTableFigure',
    'reconstructionsFigure',
    'samplesFigure',
    'showAndExport',
    'showExplorer',
    'showImageFile',
    'tableFigure',
  ],
};

/** The names a module exports, as TypeScript resolves them, each marked value or type-only. */
function exportsOf(file: string): Map<string, 'value' | 'type'> {
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  return new Map(
    checker.getExportsOfModule(symbol).map((s) => {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      return [s.name, target.flags & ts.SymbolFlags.Value ? 'value' : 'type'];
    }),
  );
}

test('lib/index.ts names every export: no export *', () => {
  const text = fs.readFileSync('lib/index.ts', 'utf8');
  assert.doesNotMatch(text, /export\s*\*/);
});

test('the public API is exactly the listed names, and every value among them is defined', () => {
  const exported = exportsOf('lib/index.ts');
  const listed = Object.values(PUBLIC_NAMES).flat();
  assert.equal(new Set(listed).size, listed.length, 'a name is listed twice');
  const sort = (names: Iterable<string>) => [...names].sort();
  assert.deepEqual(sort(exported.keys()), sort(listed));
  for (const [name, kind] of exported)
    if (kind === 'value') assert.notEqual((api as Record<string, unknown>)[name], undefined, `${name} is undefined`);
});
