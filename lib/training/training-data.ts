import { gather, type Mnist, type MnistSplit, takeFirst, VALIDATION_START } from '../data/mnist.js';
import {
  type HeldOutSplits,
  lastTenThousandSplits,
  officialBiganSplits,
  officialTrainIndices,
} from '../data/official-split.js';
import type { TrainingConfig } from '../config/training-config.js';

/** The digits a run trains on (see TrainingConfig.trainSet and trainLimit). */
export function trainingDigits(config: TrainingConfig, mnist: Mnist): MnistSplit {
  if (config.trainSet === 'official-bigan') {
    const train = gather(mnist.train, officialTrainIndices());
    return config.trainLimit > 0 ? takeFirst(train, config.trainLimit) : train;
  }
  return config.trainLimit > 0 ? takeFirst(mnist.train, config.trainLimit) : mnist.train;
}

/**
 * The digits a run never trained on, beside the ones it did, for model selection: the official split's for
 * `official-bigan`, the last 10,000 of the training file for a run on at most the first 50,000; null for a run that
 * saw all 60,000 (it has no validation split).
 */
export function heldOutSplits(config: TrainingConfig, mnist: Mnist): HeldOutSplits | null {
  if (!hasHeldOutSplit(config)) return null;
  if (config.trainSet === 'official-bigan') {
    const splits = officialBiganSplits(mnist);
    return config.trainLimit > 0 ? { ...splits, train: takeFirst(splits.train, config.trainLimit) } : splits;
  }
  const splits = lastTenThousandSplits(mnist);
  return config.trainLimit === VALIDATION_START
    ? splits
    : {
        ...splits,
        train: takeFirst(mnist.train, config.trainLimit),
        description: `first ${config.trainLimit} training digits -> the last 10,000`,
      };
}

/** Whether a run held digits out (see heldOutSplits), answered from its config alone, without building the split. */
export function hasHeldOutSplit(config: TrainingConfig): boolean {
  return config.trainSet === 'official-bigan' || (config.trainLimit > 0 && config.trainLimit <= VALIDATION_START);
}
