import * as tf from '@tensorflow/tfjs';
import { epochBatches, makeBatch, type MnistSplit, NUM_CLASSES } from '../data/mnist.js';
import type { AdversarialModel } from '../models/adversarial-model.js';
import { DenseBlock } from '../models/dense-block.js';
import { Random } from '../util/random.js';

/** The DenseBlocks of a network that normalise by batch statistics. */
function normalisingBlocks(net: tf.LayersModel): DenseBlock[] {
  return net.layers.filter((l): l is DenseBlock => l instanceof DenseBlock && Boolean(l.getConfig().batchNorm));
}

/**
 * Replaces E's and G's running batch-norm statistics with their average over `batches` batches, the weights frozen:
 * the official BiGAN code's `deploy()` before every evaluation (`--deploy_iters`). E runs in training mode on
 * batches of `data` and G on prior samples, and each statistic becomes the plain mean of the batches' means and
 * unbiased variances, as net.py's BatchNorm accumulates them. Nothing is trained; only the running statistics,
 * which evaluation reads, change. Seeded, so that an evaluation repeats exactly.
 */
export function reestimateBatchNorm(
  model: AdversarialModel,
  data: MnistSplit,
  options: { batches: number; batchSize: number; seed: number },
): void {
  const { encoder, generator } = model.networks;
  const blocks = [encoder, generator].flatMap(normalisingBlocks);
  const others = [encoder, generator].flatMap((net) =>
    net.layers.filter((l) => !(l instanceof DenseBlock) && /batch/i.test(l.getClassName())),
  );
  if (others.length > 0)
    throw new Error(
      `${model.kind}: batch-norm re-estimation handles DenseBlock networks only (found ${others[0].name})`,
    );
  const random = new Random(`batch-norm-estimate:${options.seed}`);
  let order: Int32Array[] = [];
  try {
    for (let k = 1; k <= options.batches; k++) {
      if (order.length === 0) order = epochBatches(data.count, options.batchSize, random).reverse();
      const batch = makeBatch(data, order.pop()!);
      blocks.forEach((b) => (b.statisticsFactor = 1 / k));
      tf.tidy(() => {
        encoder.apply(batch.images, { training: true });
        const latents = model.samplePrior(options.batchSize, random.seed());
        const inputs = model.conditional ? [latents, tf.oneHot(batch.labels, NUM_CLASSES).toFloat()] : latents;
        generator.apply(inputs, { training: true });
      });
      tf.dispose([batch.images, batch.labels]);
    }
  } finally {
    blocks.forEach((b) => (b.statisticsFactor = null));
  }
}
