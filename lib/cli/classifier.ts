import { loadMnist } from '../data/mnist.js';
import { classifierAccuracy, loadClassifier, saveClassifier, trainClassifier } from '../eval/classifier.js';
import { defineCommand } from './command.js';
import { percent } from '../util/format.js';

/** `bigan classifier [--train]`: the scoring classifier's test accuracy, or a new classifier trained and saved. */
export const classifierCli = defineCommand({
  name: 'classifier',
  summary: 'test accuracy of the scoring classifier in data/classifier/ (--train: train it anew and save)',
  usage: `bigan classifier [--train]

Test accuracy of the scoring classifier in data/classifier/, which IS, FID and reconstruction agreement read;
--train trains it anew and saves it.`,
  options: { train: { type: 'boolean', default: false } },
  run: async (values) => {
    if (values.train) {
      const { classifier, testAccuracy } = await trainClassifier();
      await saveClassifier(classifier);
      console.log(`saved the classifier (test accuracy ${percent(testAccuracy)}) to data/classifier/`);
    } else {
      const accuracy = classifierAccuracy(await loadClassifier(), loadMnist().test);
      console.log(`classifier test accuracy: ${percent(accuracy)}`);
    }
    return 0;
  },
});
