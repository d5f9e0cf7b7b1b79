import type { Mnist, MnistSplit } from '../data/mnist.js';
import type { TrainingConfig } from '../config/training-config.js';
import { heldOutSplits } from '../training/training-data.js';

export const EVALUATION_SPLITS = ['test', 'validation'] as const;
export type EvaluationSplitName = (typeof EVALUATION_SPLITS)[number];

/** The digits a 1NN evaluation labels (`queries`) and the labelled digits it searches (`reference`). */
export interface EvaluationSplit {
  reference: MnistSplit;
  queries: MnistSplit;
  /** `test`: all 60,000 training digits -> the 10,000 test digits. `validation`: a run's training digits -> its held-out ones. */
  name: EvaluationSplitName;
  description: string;
}

/** This project's long-standing protocol: all 60,000 training digits labelled, the 10,000 test digits queried. */
export function testSplit(mnist: Mnist): EvaluationSplit {
  return {
    reference: mnist.train,
    queries: mnist.test,
    name: 'test',
    description: '60,000 training digits -> 10,000 test digits',
  };
}

/**
 * The evaluation protocol `name` for a run: `test` (all 60,000 training digits -> the test set) or `validation`
 * (the run's training digits -> the digits it never saw, the official BiGAN code's protocol; an error for a run
 * that saw all 60,000). Model selection reads `validation`; `test` is for reporting.
 */
export function evaluationSplit(config: TrainingConfig, mnist: Mnist, name: EvaluationSplitName): EvaluationSplit {
  if (name === 'test') return testSplit(mnist);
  const held = heldOutSplits(config, mnist);
  if (!held)
    throw new Error(
      'this run trained on all 60,000 training digits, so it has no validation split: evaluate it with --split test, or train with trainSet "official-bigan" or trainLimit 50000',
    );
  return { reference: held.train, queries: held.validation, name, description: held.description };
}
