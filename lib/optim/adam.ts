import * as tf from '@tensorflow/tfjs';
import {
  assignResourceVariable,
  createResourceVariable,
  destroyResourceVariable,
  nativeBackendActive,
  readResourceVariable,
  resourceApplyAdam,
} from '../backend/native-ops.js';

/** Adam settings of one module. */
export interface OptimizerSettings {
  learningRate: number;
  beta1: number;
  beta2: number;
  /** L2 penalty added to the gradient (PyTorch's Adam `weight_decay`), applied to every trainable variable. */
  weightDecay: number;
}

export const ADAM_EPSILON = 1e-8;

/** Adam's state for a checkpoint: the update count and each variable's two moments, in variable order. */
export interface AdamState {
  step: number;
  firstMoments: tf.Tensor[];
  secondMoments: tf.Tensor[];
}

/** Adam over a fixed list of variables. Gradients passed to `apply` stay owned by the caller. */
export interface Adam {
  readonly settings: OptimizerSettings;
  readonly variables: tf.Variable[];
  setLearningRate(learningRate: number): void;
  /** One update; a null gradient leaves its variable (and its moments) unchanged. */
  apply(gradients: (tf.Tensor | null)[]): void;
  /** Copies of the state (the caller disposes them). */
  getState(): AdamState;
  setState(state: AdamState): void;
  dispose(): void;
}

function withWeightDecay(variable: tf.Variable, gradient: tf.Tensor, decay: number): tf.Tensor {
  return decay > 0 ? tf.tidy(() => gradient.add(variable.mul(decay))) : gradient;
}

function checkState(state: AdamState, variables: tf.Variable[]): void {
  if (state.firstMoments.length !== variables.length || state.secondMoments.length !== variables.length) {
    throw new Error(`optimizer state has ${state.firstMoments.length} moments for ${variables.length} variables`);
  }
  variables.forEach((v, i) => {
    for (const moment of [state.firstMoments[i], state.secondMoments[i]]) {
      if (!tf.util.arraysEqual(moment.shape, v.shape)) {
        throw new Error(`optimizer state for ${v.name} has shape [${moment.shape}], the variable has [${v.shape}]`);
      }
    }
  });
}

/**
 * Adam as TensorFlow's fused ResourceApplyAdam kernel: the moments live in TensorFlow resource variables and
 * one op updates each weight. Its epsilon sits outside the bias correction (TensorFlow's form), a difference
 * of order epsilon from PyTorch's and tfjs' Adam.
 */
class NativeAdam implements Adam {
  private step = 0;
  private readonly handles: { weight: tf.Tensor; first: tf.Tensor; second: tf.Tensor }[];
  /**
   * The tfjs tensor each weight was last given by `apply`, which aliases its resource variable's buffer: while the
   * weight still holds it, the resource variable is current and need not be assigned again. Anything else that
   * assigns the weight (a checkpoint, setWeights) gives it another tensor.
   */
  private readonly synced: (object | null)[];
  /** beta1, beta2, epsilon and the learning rate as kept tensors, made again only when the rate changes. */
  private constants: { learningRate: number; tensors: tf.Tensor[] } | null = null;

  constructor(
    readonly variables: tf.Variable[],
    readonly settings: OptimizerSettings,
  ) {
    this.handles = variables.map((v) =>
      tf.tidy(() => ({
        weight: tf.keep(createResourceVariable(v)),
        first: tf.keep(createResourceVariable(tf.zerosLike(v))),
        second: tf.keep(createResourceVariable(tf.zerosLike(v))),
      })),
    );
    this.synced = variables.map(() => null);
  }

  setLearningRate(learningRate: number): void {
    this.settings.learningRate = learningRate;
  }

  private constantScalars(): tf.Tensor[] {
    const { learningRate, beta1, beta2 } = this.settings;
    if (this.constants?.learningRate !== learningRate) {
      if (this.constants) tf.dispose(this.constants.tensors);
      this.constants = {
        learningRate,
        tensors: [learningRate, beta1, beta2, ADAM_EPSILON].map((s) => tf.keep(tf.scalar(s))),
      };
    }
    return this.constants.tensors;
  }

  apply(gradients: (tf.Tensor | null)[]): void {
    this.step++;
    const { beta1, beta2, weightDecay } = this.settings;
    const powers = [tf.scalar(beta1 ** this.step), tf.scalar(beta2 ** this.step)];
    const scalars = [...powers, ...this.constantScalars()];
    this.variables.forEach((variable, i) => {
      const raw = gradients[i];
      if (!raw) return;
      const h = this.handles[i];
      const gradient = withWeightDecay(variable, raw, weightDecay);
      // The resource variable aliases the weight's buffer; TensorFlow copies on write, so the tfjs tensor
      // that other code may still hold keeps its old value.
      if (this.synced[i] !== variable.dataId) assignResourceVariable(h.weight, variable);
      // While the tfjs variable holds that buffer too, the kernel must copy all of it before updating (a quarter
      // of Adam's time). The variable lets go of it for the update, holding the gradient (same shape) meanwhile;
      // a buffer someone else still holds is copied as before.
      variable.assign(raw);
      try {
        resourceApplyAdam(h.weight, h.first, h.second, scalars, gradient);
      } finally {
        const updated = readResourceVariable(h.weight);
        variable.assign(updated);
        updated.dispose();
      }
      this.synced[i] = variable.dataId;
      if (gradient !== raw) gradient.dispose();
    });
    tf.dispose(powers);
  }

  getState(): AdamState {
    return {
      step: this.step,
      firstMoments: this.handles.map((h) => readResourceVariable(h.first)),
      secondMoments: this.handles.map((h) => readResourceVariable(h.second)),
    };
  }

  setState(state: AdamState): void {
    checkState(state, this.variables);
    this.step = state.step;
    this.handles.forEach((h, i) => {
      assignResourceVariable(h.first, state.firstMoments[i]);
      assignResourceVariable(h.second, state.secondMoments[i]);
    });
  }

  dispose(): void {
    for (const h of this.handles) [h.weight, h.first, h.second].forEach(destroyResourceVariable);
    if (this.constants) tf.dispose(this.constants.tensors);
  }
}

/** Adam written in tfjs ops, for the WASM and JS backends. Same update rule as PyTorch's Adam. */
class PortableAdam implements Adam {
  private step = 0;
  private readonly first: tf.Variable[];
  private readonly second: tf.Variable[];

  constructor(
    readonly variables: tf.Variable[],
    readonly settings: OptimizerSettings,
  ) {
    this.first = variables.map((v) => tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
    this.second = variables.map((v) => tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
  }

  setLearningRate(learningRate: number): void {
    this.settings.learningRate = learningRate;
  }

  apply(gradients: (tf.Tensor | null)[]): void {
    this.step++;
    const { learningRate, beta1, beta2, weightDecay } = this.settings;
    const stepSize = learningRate / (1 - beta1 ** this.step);
    const secondCorrection = Math.sqrt(1 - beta2 ** this.step);
    tf.tidy(() => {
      this.variables.forEach((variable, i) => {
        const raw = gradients[i];
        if (!raw) return;
        const g = withWeightDecay(variable, raw, weightDecay);
        const m = this.first[i].mul(beta1).add(g.mul(1 - beta1));
        const v = this.second[i].mul(beta2).add(g.square().mul(1 - beta2));
        this.first[i].assign(m);
        this.second[i].assign(v);
        variable.assign(variable.sub(m.mul(stepSize).div(v.sqrt().div(secondCorrection).add(ADAM_EPSILON))));
      });
    });
  }

  getState(): AdamState {
    return {
      step: this.step,
      firstMoments: this.first.map((m) => m.clone()),
      secondMoments: this.second.map((v) => v.clone()),
    };
  }

  setState(state: AdamState): void {
    checkState(state, this.variables);
    this.step = state.step;
    this.first.forEach((m, i) => m.assign(state.firstMoments[i]));
    this.second.forEach((v, i) => v.assign(state.secondMoments[i]));
  }

  dispose(): void {
    tf.dispose([...this.first, ...this.second]);
  }
}

/** The fused native Adam on the tensorflow backend, the portable one elsewhere. */
export function createAdam(
  variables: tf.Variable[],
  settings: OptimizerSettings,
  options: { portable?: boolean } = {},
): Adam {
  const copy = { ...settings };
  return nativeBackendActive() && !options.portable
    ? new NativeAdam(variables, copy)
    : new PortableAdam(variables, copy);
}
