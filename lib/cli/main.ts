import { parseArgs } from 'node:util';
import { loadMnist } from '../data/mnist.js';
import { classifierAccuracy, loadClassifier, saveClassifier, trainClassifier } from '../eval/classifier.js';
import { ablateCommand } from './ablate.js';
import { ablatePlanCommand } from './ablate-plan.js';
import { curvesCommand } from './curves.js';
import { evalCommand } from './eval.js';
import { exportCommand } from './export.js';
import { info } from './info.js';
import { plotCommand } from './plot.js';
import { repairCommand } from './repair.js';
import { trainCommand } from './train.js';
import { protocolCommand } from './protocol.js';
import { exploreCommand } from './explore.js';
import { STOPPED_EXIT_CODE, TrainingStoppedError } from '../training/stop-signals.js';
import { stepProbeCommand } from './throughput.js';
import { tsneCommand } from './tsne.js';

const USAGE = `usage: bigan <command> [options]

commands:
  info [--json] [--measure]
                   backend, versions, cores, the MNIST files' checks, and the machine's training throughput for a
                   sweep: one process at all threads against one single-threaded process a core (measured once per
                   machine and remembered; --measure measures again). The job pool takes the faster layout
  train --model bigan|cbigan|cbigan-extended --preset quick|reproduction|paper|official [--epochs N] [--until E]
        [--seed S] [--out DIR] [--resume] [--init pretrained/NAME] [--engine local|slurm [--partition P] [--gres gpu:1] [--time HH:MM] [--dry-run]]
        [--seeds S1,S2,... [--jobs N] [--threads-per-job T]]
                   train (a run folder under runs/ unless --out); --resume continues from the last checkpoint
                   (options given with --resume must agree with the run's config); --init starts E and G from a
                   pretrained model of data/pretrained/ (fine-tuning; D starts afresh); on USR1 or TERM it writes a
                   checkpoint at the next step and exits 75 (so does Ctrl-C). --seeds trains one run per seed, in
                   DIR-sSEED, as a local job pool (see ablate). --engine slurm submits one job that resumes when
                   requeued and requeues itself on Slurm's warning signal (--dry-run prints the script).
                   --until E stops after epoch E with a checkpoint (the first part of the run's schedule; --resume
                   without it goes on)
  eval --run DIR [--epoch N] [--split test|validation] [--bn-estimate N] [--pixels] [--json] [--test-limit N]
       [--train-limit N] [--results NAME [--force]]
                   1NN accuracy of E(x) and of the penultimate layer, linear probe, reconstruction agreement, at
                   the newest checkpoint (or the end of epoch N); writes DIR/metrics.json (and adds the epoch to
                   data/results/NAME.json, which the notebooks show; another run's result is replaced only with
                   --force). --split test: 60,000 training digits -> the test set; validation: the run's training
                   digits -> the ones it held out (the official BiGAN protocol; what choices read). --bn-estimate N
                   re-estimates E's and G's batch-norm statistics over N training batches first (default: the
                   run's config; 1,000 for the official preset). --pixels adds raw-pixel 1NN on the same split
  protocol [--runs DIR,DIR,...] [--epochs 50,100,150,200] [--results NAME]
                   the official BiGAN protocol over seeds (default: runs/bigan-official-s*): every checkpoint kept
                   at those epochs on the validation split (what choices read) and the test split, batch-norm
                   statistics re-estimated, added to data/results/NAME.json (bigan-official) with mean and 95%
                   interval over seeds and the validation-chosen checkpoint; rerun as the runs go on
  export --run DIR --name NAME [--epoch N] | --repack NAME,...|all
                   E and G of the run's newest checkpoint (or epoch N) as float16 TensorFlow.js layers models in
                   data/pretrained/NAME/, built from stock layers only (any TensorFlow.js loads them with
                   tf.loadLayersModel), with a manifest (config, epoch, metrics, SHA-256 of every file); --repack
                   rewrites shipped models in this format from their own files
  repair --run DIR rewrites DIR/history.json from the epoch records of the newest checkpoint
  ablate [--rows base,deterministic-e,...] [--budget quick|table] [--epochs N] [--seeds K|K,ROW=K,...]
         [--seed-index I] [--set JSON] [--curve-every N] [--retrain] [--record] [--json] [--results NAME]
         [--jobs N] [--threads-per-job T] [--engine local|slurm [--partition P] [--gres G] [--time T] [--dry-run]]
                   BigBiGAN's ablations at MNIST scale: IS, FID, 1NN and linear probe per row (finished runs reused);
                   --seeds 3,base=5 gives Base five seeds and the other rows three; --seed-index trains one seed
                   only; --set changes config fields of every row ('{"beta1": 0}'); --curve-every records IS, FID,
                   1NN and reconstruction agreement every N steps of the runs that train (curve.json in the run
                   folder); --record also writes each run's scores to data/results/bigbigan-runs/ (commit them:
                   a run-seed recorded there is never trained again, on any machine). Row-seeds run as a local job
                   pool: N processes at once, T threads each (default: the layout \`info\` measured as faster), a log
                   each in runs/pool/; Ctrl-C or TERM stops every task at its next step with a checkpoint, and the
                   same command again resumes. --engine slurm submits a job array instead, one task per row x seed
  ablate --plan NAME [--jobs N] [--threads-per-job T] [--collect] [--json] [--results TABLE]
                   the confirmatory sweep of an analysis plan (data/results/NAME.json, or a .json path): its rows,
                   paired seeds, budget and evaluation, trained as a job pool, every run's ledger entry naming the
                   plan's SHA-256; then each claim judged (paired t-test, Holm over the family), from the entries
                   made under the plan as committed (the others are listed as left out, with why). --collect
                   only judges; --results writes the claims, rows and FID's real-data floor under
                   \`confirmatory\` in data/results/TABLE.json (its exploratory table moves under \`exploratory\`)
  ablate --collect [--rows ...] [--budget ...] [--epochs N] [--seeds K|K,ROW=K,...] [--record] [--json]
         [--results NAME]
                   the table of the finished, scored runs (in runs/ or the ledger), listing the missing ones;
                   --record writes the scores found in runs/ to the ledger
  curves --run LABEL=DIR [--run LABEL=DIR ...] [--results NAME]
                   the learning curves runs recorded (ablate --curve-every), printed, and recorded labelled in
                   data/results/NAME.json (notebook 03 draws bigbigan-curves)
  tsne (--run DIR | --pixels | --pretrained NAME,...|all) [--n 10000] [--out FOLDER] [--formats svg,png,html] [--json]
                   Barnes-Hut t-SNE of the test digits' E(x) (or raw pixels), exported as a figure; --pretrained
                   maps raw pixels and each shipped encoder, alone and as one grid (data/results/figures/tsne/)
  explore [--pretrained NAME,...|all] [--n 10000] [--out FOLDER]
                   the latent explorer: a static page (default figures/explorer/index.html, works offline from
                   file://) with each shipped model's t-SNE map; hover a digit for x, G(E(x)) computed in the page
                   and its nearest codes, click two for the path between them, pick a class for a conditional G
  classifier [--train]
                   test accuracy of the scoring classifier in data/classifier/ (--train: train it anew and save)
  plot --run DIR [--out FOLDER] [--formats svg,png,html] [--label TEXT]
                   samples G(z), reconstructions G(E(x)) and loss curves, exported (default DIR/figures);
                   --label starts every figure's title (say, the ablation row)

environment:
  BIGAN_BACKEND    force a backend: tensorflow-gpu, tensorflow, wasm or cpu
  BIGAN_RESULTS_DIR, BIGAN_CLASSIFIER_DIR
                   read and write recorded results / the scoring classifier elsewhere than data/ (tests)`;

/** Where a sweep or a long run goes on a Slurm cluster (train and ablate). */
const SLURM_OPTIONS = {
  engine: { type: 'string' },
  partition: { type: 'string' },
  gres: { type: 'string' },
  time: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
} as const;

/** Runs one CLI command and returns the process exit code; errors are printed, never thrown. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'info': {
        const { values } = parseArgs({
          args: rest,
          options: { json: { type: 'boolean', default: false }, measure: { type: 'boolean', default: false } },
        });
        return await info({ json: values.json ?? false, measure: values.measure ?? false });
      }
      case 'step-probe':
        return await stepProbeCommand();
      case 'train': {
        const { values } = parseArgs({
          args: rest,
          options: {
            model: { type: 'string' },
            preset: { type: 'string' },
            epochs: { type: 'string' },
            until: { type: 'string' },
            seed: { type: 'string' },
            seeds: { type: 'string' },
            jobs: { type: 'string' },
            'threads-per-job': { type: 'string' },
            out: { type: 'string' },
            resume: { type: 'boolean', default: false },
            init: { type: 'string' },
            ...SLURM_OPTIONS,
          },
        });
        return await trainCommand({
          ...values,
          threadsPerJob: values['threads-per-job'],
          resume: values.resume ?? false,
          dryRun: values['dry-run'] ?? false,
        });
      }
      case 'eval': {
        const { values } = parseArgs({
          args: rest,
          options: {
            run: { type: 'string' },
            epoch: { type: 'string' },
            json: { type: 'boolean', default: false },
            'test-limit': { type: 'string' },
            'train-limit': { type: 'string' },
            split: { type: 'string' },
            'bn-estimate': { type: 'string' },
            pixels: { type: 'boolean', default: false },
            results: { type: 'string' },
            force: { type: 'boolean', default: false },
          },
        });
        if (!values.run) throw new Error('--run DIR is required');
        return await evalCommand({
          run: values.run,
          epoch: values.epoch,
          json: values.json ?? false,
          testLimit: values['test-limit'],
          trainLimit: values['train-limit'],
          split: values.split,
          bnEstimate: values['bn-estimate'],
          pixels: values.pixels ?? false,
          results: values.results,
          force: values.force ?? false,
        });
      }
      case 'export': {
        const { values } = parseArgs({
          args: rest,
          options: {
            run: { type: 'string' },
            name: { type: 'string' },
            epoch: { type: 'string' },
            repack: { type: 'string' },
          },
        });
        return await exportCommand(values);
      }
      case 'repair': {
        const { values } = parseArgs({ args: rest, options: { run: { type: 'string' } } });
        if (!values.run) throw new Error('--run DIR is required');
        return repairCommand({ run: values.run });
      }
      case 'plot': {
        const { values } = parseArgs({
          args: rest,
          options: {
            run: { type: 'string' },
            out: { type: 'string' },
            formats: { type: 'string' },
            label: { type: 'string' },
          },
        });
        if (!values.run) throw new Error('--run DIR is required');
        return await plotCommand({ run: values.run, out: values.out, formats: values.formats, label: values.label });
      }
      case 'ablate': {
        const { values } = parseArgs({
          args: rest,
          options: {
            rows: { type: 'string' },
            budget: { type: 'string' },
            epochs: { type: 'string' },
            set: { type: 'string' },
            'curve-every': { type: 'string' },
            seeds: { type: 'string' },
            retrain: { type: 'boolean', default: false },
            json: { type: 'boolean', default: false },
            results: { type: 'string' },
            'seed-index': { type: 'string' },
            collect: { type: 'boolean', default: false },
            record: { type: 'boolean', default: false },
            jobs: { type: 'string' },
            'threads-per-job': { type: 'string' },
            plan: { type: 'string' },
            ...SLURM_OPTIONS,
          },
        });
        if (values.plan !== undefined) {
          const { plan, rows, collect, jobs, json } = values;
          const others = ['budget', 'epochs', 'set', 'seeds', 'retrain', 'curve-every', 'engine', 'record'];
          const given = others.filter(
            (k) => values[k as keyof typeof values] !== undefined && values[k as keyof typeof values] !== false,
          );
          if (given.length > 0)
            throw new Error(
              `--plan sets the sweep itself: ${given.map((k) => `--${k}`).join(', ')} cannot be given with it`,
            );
          return await ablatePlanCommand({
            plan,
            rows,
            seedIndex: values['seed-index'],
            collect: collect ?? false,
            jobs,
            threadsPerJob: values['threads-per-job'],
            json: json ?? false,
            results: values.results,
          });
        }
        return await ablateCommand({
          ...values,
          seedIndex: values['seed-index'],
          threadsPerJob: values['threads-per-job'],
          curveEvery: values['curve-every'],
          retrain: values.retrain ?? false,
          json: values.json ?? false,
          collect: values.collect ?? false,
          record: values.record ?? false,
          dryRun: values['dry-run'] ?? false,
        });
      }
      case 'explore': {
        const { values } = parseArgs({
          args: rest,
          options: { pretrained: { type: 'string' }, n: { type: 'string' }, out: { type: 'string' } },
        });
        return await exploreCommand(values);
      }
      case 'protocol': {
        const { values } = parseArgs({
          args: rest,
          options: { runs: { type: 'string' }, epochs: { type: 'string' }, results: { type: 'string' } },
        });
        return await protocolCommand(values);
      }
      case 'curves': {
        const { values } = parseArgs({
          args: rest,
          options: { run: { type: 'string', multiple: true }, results: { type: 'string' } },
        });
        return curvesCommand(values);
      }
      case 'tsne': {
        const { values } = parseArgs({
          args: rest,
          options: {
            run: { type: 'string' },
            pixels: { type: 'boolean', default: false },
            pretrained: { type: 'string' },
            n: { type: 'string' },
            out: { type: 'string' },
            formats: { type: 'string' },
            json: { type: 'boolean', default: false },
          },
        });
        return await tsneCommand({ ...values, pixels: values.pixels ?? false, json: values.json ?? false });
      }
      case 'classifier': {
        const { values } = parseArgs({ args: rest, options: { train: { type: 'boolean', default: false } } });
        if (values.train) {
          const { classifier, testAccuracy } = await trainClassifier();
          await saveClassifier(classifier);
          console.log(`saved the classifier (test accuracy ${(testAccuracy * 100).toFixed(2)}%) to data/classifier/`);
        } else {
          console.log(
            `classifier test accuracy: ${(classifierAccuracy(await loadClassifier(), loadMnist().test) * 100).toFixed(2)}%`,
          );
        }
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        console.error(`bigan: unknown command '${command}'\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    console.error(`bigan ${command}: ${(error as Error).message}`);
    return error instanceof TrainingStoppedError ? STOPPED_EXIT_CODE : 1;
  }
}
