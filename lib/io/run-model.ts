import { initBackend } from '../backend/backend.js';
import { createModel } from '../models/registry.js';
import type { AdversarialModel } from '../training/adversarial-model.js';
import { createOptimizersFor, disposeOptimizers } from '../training/step.js';
import { loadCheckpoint } from './checkpoint.js';
import { RunFolder } from './run-folder.js';

/** The model of a run folder at its newest checkpoint (optimizer state is read and dropped). */
export async function loadRunModel(dir: string): Promise<{ run: RunFolder; model: AdversarialModel; epoch: number }> {
  await initBackend();
  const run = RunFolder.open(dir);
  const latest = run.checkpoints().pop();
  if (!latest) throw new Error(`${dir} has no checkpoint yet`);
  const model = createModel(run.config);
  const optimizers = createOptimizersFor(model, run.config);
  try {
    const position = loadCheckpoint(latest.dir, model, optimizers);
    return { run, model, epoch: position.epoch };
  } finally {
    disposeOptimizers(optimizers);
  }
}
