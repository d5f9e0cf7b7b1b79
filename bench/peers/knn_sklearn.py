"""scikit-learn peer of the raw-pixel 1-nearest-neighbour benchmark: brute-force KNeighborsClassifier(n_neighbors=1).

Reads the MNIST IDX files itself and prints one JSON line with accuracy and seconds (fit + predict).
With --predictions FILE it also writes the predicted labels, one byte each, for sample-by-sample comparison.
Usage: python3 knn_sklearn.py MNIST_DIR [--train N] [--test N] [--predictions FILE]
"""
import argparse
import json
import os
import time

import numpy as np
import sklearn
from sklearn.neighbors import KNeighborsClassifier


def read_idx(path, header):
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mnist_dir")
    parser.add_argument("--train", type=int, default=60000)
    parser.add_argument("--test", type=int, default=10000)
    parser.add_argument("--predictions")
    args = parser.parse_args()
    d = args.mnist_dir
    x_train = read_idx(os.path.join(d, "train-images-idx3-ubyte"), 16).reshape(-1, 784)[: args.train].astype(np.float32) / 255
    y_train = read_idx(os.path.join(d, "train-labels-idx1-ubyte"), 8)[: args.train]
    x_test = read_idx(os.path.join(d, "t10k-images-idx3-ubyte"), 16).reshape(-1, 784)[: args.test].astype(np.float32) / 255
    y_test = read_idx(os.path.join(d, "t10k-labels-idx1-ubyte"), 8)[: args.test]
    start = time.perf_counter()
    knn = KNeighborsClassifier(n_neighbors=1, algorithm="brute", n_jobs=-1).fit(x_train, y_train)
    predicted = knn.predict(x_test)
    seconds = time.perf_counter() - start
    if args.predictions:
        predicted.astype(np.uint8).tofile(args.predictions)
    print(json.dumps({"peer": "scikit-learn", "version": sklearn.__version__, "accuracy": float((predicted == y_test).mean()), "seconds": seconds}))


if __name__ == "__main__":
    main()
