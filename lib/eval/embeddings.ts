/** Points to search or query: row-major [count, dim], as 1NN, PCA and the projected bound read them. */
export interface Embeddings {
  /** Row-major [count, dim]. */
  values: Float32Array;
  count: number;
  dim: number;
}
