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
  if (!nativeBackendActive()) throw new Error(`native TensorFlow ops need the tensorflow backend, not ${tf.getBackend()}`);
  return tf.backend() as unknown as NodeBackend;
}

const floatType = (name: string): OpAttr => ({ name, type: backend().binding.TF_ATTR_TYPE, value: backend().binding.TF_FLOAT });
const bool = (name: string, value: boolean): OpAttr => ({ name, type: backend().binding.TF_ATTR_BOOL, value });

let nextVariableId = 0;

/**
 * A float32 TensorFlow resource variable living inside libtensorflow; the handle is a tfjs tensor the caller
 * disposes. Unique shared names keep two processes' variables apart even in one TF context.
 */
export function createResourceVariable(initial: tf.Tensor): tf.Tensor {
  const b = backend();
  const handle = b.executeSingleOutput('VarHandleOp', [
    { name: 'container', type: b.binding.TF_ATTR_STRING, value: '' },
    { name: 'shared_name', type: b.binding.TF_ATTR_STRING, value: `bigan_${process.pid}_${nextVariableId++}` },
    floatType('dtype'),
    { name: 'shape', type: b.binding.TF_ATTR_SHAPE, value: initial.shape },
  ], []);
  assignResourceVariable(handle, initial);
  return handle;
}

export function assignResourceVariable(handle: tf.Tensor, value: tf.Tensor): void {
  backend().executeMultipleOutputs('AssignVariableOp', [floatType('dtype'), bool('validate_shape', true)], [handle, value], 0);
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
export function resourceApplyAdam(variable: tf.Tensor, m: tf.Tensor, v: tf.Tensor, scalars: tf.Tensor[], gradient: tf.Tensor): void {
  backend().executeMultipleOutputs('ResourceApplyAdam', [floatType('T'), bool('use_locking', false), bool('use_nesterov', false)],
    [variable, m, v, ...scalars, gradient], 0);
}
