import type { AdversarialModel } from '../models/adversarial-model.js';
import type { TrainingConfig } from '../config/training-config.js';
import { createBiganModel } from '../models/bigan.js';
import { createBigBiganModel } from '../models/bigbigan.js';

/** Builds the model a config names, initialised from its seed. */
export function createModel(config: TrainingConfig): AdversarialModel {
  switch (config.model) {
    case 'bigan':
      return createBiganModel(config.architecture, config.seed, 'none', config.lossTerms);
    case 'cbigan':
      return createBiganModel(config.architecture, config.seed, 'simple', config.lossTerms);
    case 'cbigan-extended':
      return createBiganModel(config.architecture, config.seed, 'extended', config.lossTerms);
    case 'bigbigan':
      if (!config.bigbigan) throw new Error("config field 'bigbigan': required for the bigbigan model");
      return createBigBiganModel(
        config.bigbigan,
        config.architecture.latentSize,
        config.architecture.hiddenUnits,
        config.seed,
      );
  }
}
