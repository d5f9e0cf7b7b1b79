"""FAISS peer of the raw-pixel 1-nearest-neighbour benchmark: IndexFlatL2 (exact search, all threads).

Reads the MNIST IDX files itself and prints one JSON line with accuracy and seconds (index build + search), as
knn_sklearn.py does. Usage: python knn_faiss.py MNIST_DIR [--train N] [--test N]
"""
import argparse
import json
import time

import faiss
import numpy as np
from mnist_idx import load_mnist


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mnist_dir")
    parser.add_argument("--train", type=int, default=60000)
    parser.add_argument("--test", type=int, default=10000)
    args = parser.parse_args()
    x_train, y_train, x_test, y_test = load_mnist(args.mnist_dir, args.train, args.test)
    start = time.perf_counter()
    index = faiss.IndexFlatL2(784)
    index.add(np.ascontiguousarray(x_train))
    _, nearest = index.search(np.ascontiguousarray(x_test), 1)
    predicted = y_train[nearest[:, 0]]
    seconds = time.perf_counter() - start
    print(json.dumps({"peer": "faiss", "version": faiss.__version__, "threads": faiss.omp_get_max_threads(), "accuracy": float((predicted == y_test).mean()), "seconds": seconds}))


if __name__ == "__main__":
    main()
