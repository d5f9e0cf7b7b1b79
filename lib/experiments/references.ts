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

export const BIGAN_REFERENCES: ReferencePoint[] = [
  {
    source: 'BiGAN paper (Donahue et al., 2016)',
    representation: 'E(x), 50-d',
    accuracy: 0.9739,
    split: 'not stated',
    link: 'https://arxiv.org/abs/1605.09782',
  },
  {
    source: 'official BiGAN code, epoch 200',
    representation: 'E(x), 50-d',
    accuracy: 0.9592,
    split: 'official validation',
    link: 'https://github.com/jeffdonahue/bigan',
    epoch: 200,
    layer: 'latent',
  },
  {
    source: 'official BiGAN code, epoch 400',
    representation: 'E(x), 50-d',
    accuracy: 0.921,
    split: 'official validation',
    link: 'https://github.com/jeffdonahue/bigan',
    epoch: 400,
    layer: 'latent',
  },
  {
    source: 'official BiGAN code, epoch 200',
    representation: 'penultimate encoder layer, 1024-d',
    accuracy: 0.9714,
    split: 'official validation',
    link: 'https://github.com/jeffdonahue/bigan',
    epoch: 200,
    layer: 'features',
  },
  {
    source: 'official BiGAN code, epoch 400',
    representation: 'penultimate encoder layer, 1024-d',
    accuracy: 0.9735,
    split: 'official validation',
    link: 'https://github.com/jeffdonahue/bigan',
    epoch: 400,
    layer: 'features',
  },
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
