import type { AdversarialModel } from '../training/adversarial-model.js';
import type { TrainingConfig } from '../training/config.js';
import { createBiganModel } from './bigan.js';

/** Builds the model a config names, initialised from its seed. */
export function createModel(config: TrainingConfig): AdversarialModel {
  switch (config.model) {
    case 'bigan':
      return createBiganModel(config.architecture, config.seed, 'none');
    case 'cbigan':
      return createBiganModel(config.architecture, config.seed, 'simple');
    case 'cbigan-extended':
      return createBiganModel(config.architecture, config.seed, 'extended');
  }
}
