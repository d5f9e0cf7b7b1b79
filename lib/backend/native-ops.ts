import * as tf from '@tensorflow/tfjs';

/**
 * Direct access to TensorFlow ops that tfjs-node does not wrap, for the few places where one fused native op
 * replaces a dozen tfjs ops (each tfjs op costs ~30 us of dispatch on top of its work). Only valid while the
 * active backend is `tensorflow` (tfjs-node or tfjs-node-gpu).
 */
interface NodeBinding {
  TF_ATTR_BOOL: number;
  TF_ATTR_TYPE: number;
  TF_ATTR_STRING: number;
  TF_ATTR_SHAPE: number;
  TF_ATTR_FLOAT: number;
  TF_FLOAT: number;
}

interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}

interface NodeBackend {
  binding: NodeBinding;
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: tf.Tensor[], numOutputs: number): tf.Tensor[];
}

export function nativeBackendActive(): boolean {
  return tf.getBackend() === 'tensorflow';
}

function backend(): NodeBackend {
  if (!nativeBackendActive())
    throw new Error(`native TensorFlow ops need the tensorflow backend, not ${tf.getBackend()}`);
  return tf.backend() as unknown as NodeBackend;
}

const floatType = (name: string): OpAttr => ({
  name,
  type: backend().binding.TF_ATTR_TYPE,
  value: backend().binding.TF_FLOAT,
});
const bool = (name: string, value: boolean): OpAttr => ({ name, type: backend().binding.TF_ATTR_BOOL, value });

// TensorFlow's name for an anonymous resource (ResourceHandle::ANONYMOUS_NAME): each VarHandleOp with it makes a
// new variable, and all share one cached kernel. A unique shared name per variable would instead add a kernel to
// the eager context's cache every time, which never shrinks (about 10 kB per optimizer built).
const ANONYMOUS_NAME = 'cd2c89b7-88b7-44c8-ad83-06c2a9158347';

/** A float32 TensorFlow resource variable living inside libtensorflow; the handle is a tfjs tensor the caller disposes. */
export function createResourceVariable(initial: tf.Tensor): tf.Tensor {
  const b = backend();
  const handle = b.executeSingleOutput(
    'VarHandleOp',
    [
      { name: 'container', type: b.binding.TF_ATTR_STRING, value: '' },
      { name: 'shared_name', type: b.binding.TF_ATTR_STRING, value: ANONYMOUS_NAME },
      floatType('dtype'),
      { name: 'shape', type: b.binding.TF_ATTR_SHAPE, value: initial.shape },
    ],
    [],
  );
  assignResourceVariable(handle, initial);
  return handle;
}

export function assignResourceVariable(handle: tf.Tensor, value: tf.Tensor): void {
  backend().executeMultipleOutputs(
    'AssignVariableOp',
    [floatType('dtype'), bool('validate_shape', true)],
    [handle, value],
    0,
  );
}

export function readResourceVariable(handle: tf.Tensor): tf.Tensor {
  return backend().executeSingleOutput('ReadVariableOp', [floatType('dtype')], [handle]);
}

/** Deletes the variable inside TensorFlow (disposing the handle alone would leave its memory allocated). */
export function destroyResourceVariable(handle: tf.Tensor): void {
  backend().executeMultipleOutputs('DestroyResourceOp', [bool('ignore_lookup_error', true)], [handle], 0);
  handle.dispose();
}

/**
 * TensorFlow's fused Adam update of `variable` in place, given its moment variables and the scalars
 * [beta1^t, beta2^t, lr, beta1, beta2, epsilon]. One kernel pass instead of tfjs' dozen elementwise ops.
 */
export function resourceApplyAdam(
  variable: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  scalars: tf.Tensor[],
  gradient: tf.Tensor,
): void {
  backend().executeMultipleOutputs(
    'ResourceApplyAdam',
    [floatType('T'), bool('use_locking', false), bool('use_nesterov', false)],
    [variable, m, v, ...scalars, gradient],
    0,
  );
}

const float = (name: string, value: number): OpAttr => ({ name, type: backend().binding.TF_ATTR_FLOAT, value });
const str = (name: string, value: string): OpAttr => ({ name, type: backend().binding.TF_ATTR_STRING, value });

/** 2-D MatMul without tfjs' reshapes to rank 3 (three extra ops per product). */
export function nativeMatMul(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor2D {
  return backend().executeSingleOutput(
    'MatMul',
    [floatType('T'), bool('transpose_a', transposeA), bool('transpose_b', transposeB)],
    [a, b],
  ) as tf.Tensor2D;
}

export function nativeBiasAdd(x: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  return backend().executeSingleOutput(
    'BiasAdd',
    [floatType('T'), str('data_format', 'NHWC')],
    [x, bias],
  ) as tf.Tensor2D;
}

export function nativeBiasAddGrad(dy: tf.Tensor): tf.Tensor1D {
  return backend().executeSingleOutput(
    'BiasAddGrad',
    [floatType('T'), str('data_format', 'NHWC')],
    [dy],
  ) as tf.Tensor1D;
}

export type NativeActivation = 'relu' | 'leakyRelu' | 'sigmoid' | 'tanh' | 'linear';

export function nativeActivation(x: tf.Tensor, kind: NativeActivation, alpha: number): tf.Tensor {
  switch (kind) {
    case 'linear':
      return x;
    case 'relu':
      return backend().executeSingleOutput('Relu', [floatType('T')], [x]);
    case 'leakyRelu':
      return backend().executeSingleOutput('LeakyRelu', [floatType('T'), float('alpha', alpha)], [x]);
    case 'sigmoid':
      return backend().executeSingleOutput('Sigmoid', [floatType('T')], [x]);
    case 'tanh':
      return backend().executeSingleOutput('Tanh', [floatType('T')], [x]);
  }
}

/** d(activation)/d(input) times dy, from the activation's input `x` and output `y`. */
export function nativeActivationGrad(
  dy: tf.Tensor,
  x: tf.Tensor,
  y: tf.Tensor,
  kind: NativeActivation,
  alpha: number,
): tf.Tensor {
  switch (kind) {
    case 'linear':
      return dy;
    case 'relu':
      return backend().executeSingleOutput('ReluGrad', [floatType('T')], [dy, y]);
    case 'leakyRelu':
      return backend().executeSingleOutput('LeakyReluGrad', [floatType('T'), float('alpha', alpha)], [dy, x]);
    case 'sigmoid':
      return backend().executeSingleOutput('SigmoidGrad', [floatType('T')], [y, dy]);
    case 'tanh':
      return backend().executeSingleOutput('TanhGrad', [floatType('T')], [y, dy]);
  }
}

/**
 * Training-mode batch normalisation of x [N, 1, 1, C] in one kernel. With `averageFactor` f the mean and variance
 * outputs are the updated running statistics (1 - f) * running + f * batch, the variance unbiased, as in PyTorch.
 * Returns [y, runningMean, runningVariance, reserve1, reserve2, reserve3]; the reserves feed the gradient.
 */
export function nativeBatchNormTraining(
  x: tf.Tensor4D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  runningMean: tf.Tensor,
  runningVariance: tf.Tensor,
  epsilon: number,
  averageFactor: number,
): tf.Tensor[] {
  return backend().executeMultipleOutputs(
    'FusedBatchNormV3',
    [
      floatType('T'),
      floatType('U'),
      float('epsilon', epsilon),
      float('exponential_avg_factor', averageFactor),
      str('data_format', 'NHWC'),
      bool('is_training', true),
    ],
    [x, gamma, beta, runningMean, runningVariance],
    6,
  );
}

/** Gradients of {@link nativeBatchNormTraining}: [dx, dgamma, dbeta]. */
export function nativeBatchNormGrad(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  gamma: tf.Tensor,
  reserves: tf.Tensor[],
  epsilon: number,
): tf.Tensor[] {
  const outputs = backend().executeMultipleOutputs(
    'FusedBatchNormGradV3',
    [floatType('T'), floatType('U'), float('epsilon', epsilon), str('data_format', 'NHWC'), bool('is_training', true)],
    [dy, x, gamma, ...reserves],
    5,
  );
  tf.dispose(outputs.slice(3));
  return outputs.slice(0, 3);
}
