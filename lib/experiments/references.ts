/** Published 1-nearest-neighbour accuracies on MNIST (train 60,000 -> test 10,000) that our runs are read against. */
export interface ReferencePoint {
  source: string;
  representation: string;
  accuracy: number;
  link: string;
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
  },
  {
    source: 'official BiGAN code, epoch 400',
    representation: 'E(x), 50-d',
    accuracy: 0.921,
    link: 'https://github.com/jeffdonahue/bigan',
  },
  {
    source: 'official BiGAN code',
    representation: 'penultimate encoder layer, 1024-d',
    accuracy: 0.9714,
    link: 'https://github.com/jeffdonahue/bigan',
  },
  { source: 'PyTorch reproduction, 400 epochs', representation: 'E(x), 50-d', accuracy: 0.913, link: '' },
  { source: 'raw pixels', representation: 'x, 784-d', accuracy: 0.9691, link: '' },
];
