"""scikit-learn peer of the t-SNE benchmark: Barnes-Hut TSNE on the same input as ours.

Reads N x D float32 values (row-major, raw) from INPUT, runs TSNE with scikit-learn's defaults made explicit
(perplexity 30, early exaggeration 12, learning rate 'auto', 1,000 iterations, angle 0.5, PCA initialisation) on
all cores, writes the N x 2 map as float64 to OUTPUT, and prints one JSON line with seconds, KL divergence and
the process's peak resident memory.
Usage: python3 tsne_sklearn.py INPUT N D OUTPUT
"""
import json
import resource
import sys
import time

import numpy as np
import sklearn
from sklearn.manifold import TSNE


def main():
    path, n, d, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    x = np.fromfile(path, dtype=np.float32).reshape(n, d)
    start = time.perf_counter()
    tsne = TSNE(n_components=2, perplexity=30.0, early_exaggeration=12.0, learning_rate="auto", n_iter=1000,
                angle=0.5, init="pca", method="barnes_hut", random_state=0, n_jobs=-1)
    embedding = tsne.fit_transform(x)
    seconds = time.perf_counter() - start
    embedding.astype(np.float64).tofile(out)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peer": "scikit-learn", "version": sklearn.__version__, "seconds": seconds, "kl": float(tsne.kl_divergence_),
                      "peakMegabytes": peak}))


if __name__ == "__main__":
    main()
