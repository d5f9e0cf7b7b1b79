/** Published 1-nearest-neighbour accuracies on MNIST that our runs are read against, each on its own split. */
export interface ReferencePoint {
  source: string;
  representation: string;
  accuracy: number;
  /**
   * What was searched and what was queried: the official code's numbers are its validation split (50,000 -> its
   * 10,000 held-out training digits, data/splits/bigan-official-mnist.json), not the test set.
   */
  split: 'official validation' | 'test' | 'not stated';
  link: string;
  /** Epochs trained, where the source gives them: the point is drawn on the accuracy-by-epoch figure. */
  epoch?: number;
  /** Which of our representations it compares with. */
  layer?: 'latent' | 'features';
}

/**
 * One evaluation the official MNIST BiGAN run printed (jeffdonahue/bigan's README.md, "This should produce output
 * like"), after `epoch` epochs. Its losses are means over the 1,000 batches of the batch-norm re-estimation at that
 * epoch's weights (`deploy()` in train_gan.py): `JD` is D's loss, `E` (equal to `G`) the encoder's and generator's,
 * each the mean of its two terms. 1NN (`NNC_e`, `NNC_e-`) is on its validation split.
 */
export interface OfficialLogPoint {
  epoch: number;
  discriminator: number;
  encoderGenerator: number;
  knnLatent: number;
  knnFeatures: number;
}

export const OFFICIAL_MNIST_LOG: OfficialLogPoint[] = [
  { epoch: 0, discriminator: 0.6932, encoderGenerator: 0.6932, knnLatent: 0.915, knnFeatures: 0.9684 },
  { epoch: 1, discriminator: 0.4239, encoderGenerator: 1.2217, knnLatent: 0.8994, knnFeatures: 0.9256 },
  { epoch: 25, discriminator: 0.449, encoderGenerator: 1.391, knnLatent: 0.9541, knnFeatures: 0.9628 },
  { epoch: 200, discriminator: 0.1777, encoderGenerator: 2.8711, knnLatent: 0.9592, knnFeatures: 0.9714 },
  { epoch: 400, discriminator: 0.0545, encoderGenerator: 3.8253, knnLatent: 0.921, knnFeatures: 0.9735 },
];

/** The official run's 1NN at `epoch` as a reference point, read from its log. */
function officialReference(epoch: 200 | 400, layer: 'latent' | 'features'): ReferencePoint {
  const point = OFFICIAL_MNIST_LOG.find((p) => p.epoch === epoch)!;
  return {
    source: `official BiGAN code, epoch ${epoch}`,
    representation: layer === 'latent' ? 'E(x), 50-d' : 'penultimate encoder layer, 1024-d',
    accuracy: layer === 'latent' ? point.knnLatent : point.knnFeatures,
    split: 'official validation',
    link: 'https://github.com/jeffdonahue/bigan',
    epoch,
    layer,
  };
}

export const BIGAN_REFERENCES: ReferencePoint[] = [
  {
    source: 'BiGAN paper (Donahue et al., 2016)',
    representation: 'E(x), 50-d',
    accuracy: 0.9739,
    split: 'not stated',
    link: 'https://arxiv.org/abs/1605.09782',
  },
  officialReference(200, 'latent'),
  officialReference(400, 'latent'),
  officialReference(200, 'features'),
  officialReference(400, 'features'),
  {
    source: 'PyTorch reproduction, 400 epochs',
    representation: 'E(x), 50-d',
    accuracy: 0.913,
    split: 'test',
    link: '',
    epoch: 400,
    layer: 'latent',
  },
  { source: 'raw pixels', representation: 'x, 784-d', accuracy: 0.9691, split: 'test', link: '' },
];
