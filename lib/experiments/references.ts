/** Published 1-nearest-neighbour accuracies on MNIST (train 60,000 -> test 10,000) that our runs are read against. */
export interface ReferencePoint {
  source: string;
  representation: string;
  accuracy: number;
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
    link: 'https://arxiv.org/abs/1605.09782',
  },
  {
    source: 'official BiGAN code, epoch 200',
    representation: 'E(x), 50-d',
    accuracy: 0.9592,
    link: 'https://github.com/jeffdonahue/bigan',
    epoch: 200,
    layer: 'latent',
  },
  {
    source: 'official BiGAN code, epoch 400',
    representation: 'E(x), 50-d',
    accuracy: 0.921,
    link: 'https://github.com/jeffdonahue/bigan',
    epoch: 400,
    layer: 'latent',
  },
  {
    source: 'official BiGAN code, epoch 200',
    representation: 'penultimate encoder layer, 1024-d',
    accuracy: 0.9714,
    link: 'https://github.com/jeffdonahue/bigan',
    epoch: 200,
    layer: 'features',
  },
  {
    source: 'official BiGAN code, epoch 400',
    representation: 'penultimate encoder layer, 1024-d',
    accuracy: 0.9735,
    link: 'https://github.com/jeffdonahue/bigan',
    epoch: 400,
    layer: 'features',
  },
  {
    source: 'PyTorch reproduction, 400 epochs',
    representation: 'E(x), 50-d',
    accuracy: 0.913,
    link: '',
    epoch: 400,
    layer: 'latent',
  },
  { source: 'raw pixels', representation: 'x, 784-d', accuracy: 0.9691, link: '' },
];
