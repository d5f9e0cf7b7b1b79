import { makeConfig, type TrainingConfig } from '../config/training-config.js';

/** A run trained by a notebook cell: its cache name under runs/ and its config. */
export interface NotebookRun {
  label: string;
  name: string;
  config: TrainingConfig;
}

/**
 * The quick runs of notebooks 01 and 02, named once so that notebook 04 maps the same encoders (reused from
 * runs/ when those notebooks ran first).
 */
export const QUICK_RUNS: Record<'bigan' | 'cbigan' | 'cbiganExtended', NotebookRun> = {
  bigan: { label: 'BiGAN (quick)', name: '01-bigan', config: makeConfig('quick') },
  cbigan: { label: 'CBiGAN simple (quick)', name: '02-cbigan', config: makeConfig('quick', { model: 'cbigan' }) },
  cbiganExtended: {
    label: 'CBiGAN extended (quick)',
    name: '02-cbigan-extended',
    config: makeConfig('quick', { model: 'cbigan-extended' }),
  },
};

/** The long command-line runs whose results are committed (`npx bigan train ... --preset paper`), by folder name. */
export const LONG_RUNS = ['bigan-paper', 'cbigan-paper', 'cbigan-extended-paper'] as const;
