import * as tf from '@tensorflow/tfjs';

/** A weight to average: its stable name (checkpoints key it so) and the variable training updates. */
export interface NamedWeight {
  name: string;
  variable: tf.Variable;
}

/**
 * An exponential moving average of weights, as BigGAN keeps of G's for evaluation: after every optimizer step
 * a <- d a + (1 - d) w. The decay ramps up as min(decay, (1 + t) / (10 + t)) over the first updates t (TensorFlow's
 * ExponentialMovingAverage with num_updates), so that the random initial weights are forgotten within the first
 * hundred steps instead of weighing e^-1 after 1 / (1 - decay) of them. Running statistics of batch normalisation
 * are averaged with the rest, so the averaged network's statistics match its weights.
 */
export class WeightAverage {
  private readonly averages: tf.Variable[];
  /** Updates so far. */
  updates = 0;

  constructor(
    readonly weights: NamedWeight[],
    readonly decay: number,
  ) {
    if (!(decay > 0 && decay < 1)) throw new Error(`WeightAverage: decay must be in (0, 1), got ${decay}`);
    this.averages = weights.map((w) => tf.variable(w.variable.clone(), false));
  }

  update(): void {
    const d = Math.min(this.decay, (1 + this.updates) / (10 + this.updates));
    tf.tidy(() => {
      this.weights.forEach((w, i) => {
        const a = this.averages[i];
        a.assign(a.mul(d).add(w.variable.mul(1 - d)));
      });
    });
    this.updates++;
  }

  /**
   * Runs `use` with the averages in the weights' place, then puts the trained weights back (also when `use`
   * throws): a measurement in the middle of training.
   */
  withAverages<T>(use: () => T): T {
    const trained = this.weights.map((w) => w.variable.clone());
    this.copyInto();
    try {
      return use();
    } finally {
      this.weights.forEach((w, i) => w.variable.assign(trained[i]));
      tf.dispose(trained);
    }
  }

  /** Writes the averages over the weights, for good: the model becomes the averaged one. */
  copyInto(): void {
    this.weights.forEach((w, i) => w.variable.assign(this.averages[i]));
  }

  /** The averages by name (the average's own tensors: not to be disposed) and the update count, for a checkpoint. */
  state(): { averages: { name: string; value: tf.Tensor }[]; updates: number } {
    return { averages: this.weights.map((w, i) => ({ name: w.name, value: this.averages[i] })), updates: this.updates };
  }

  /** Restores what {@link state} returned; `value(name)` gives each average's saved tensor. */
  restore(value: (name: string) => tf.Tensor, updates: number): void {
    this.weights.forEach((w, i) => {
      const saved = value(w.name);
      this.averages[i].assign(saved);
      saved.dispose();
    });
    this.updates = updates;
  }

  dispose(): void {
    tf.dispose(this.averages);
  }
}
