"""scikit-learn peer of the raw-pixel 1-nearest-neighbour benchmark: brute-force KNeighborsClassifier(n_neighbors=1).

Reads the MNIST IDX files itself and prints one JSON line with accuracy and seconds (fit + predict).
With --predictions FILE it also writes the predicted labels, one byte each, for sample-by-sample comparison.
Usage: python3 knn_sklearn.py MNIST_DIR [--train N] [--test N] [--predictions FILE]
"""
import argparse
import json
import time

import numpy as np
import sklearn
from sklearn.neighbors import KNeighborsClassifier
from mnist_idx import load_mnist


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mnist_dir")
    parser.add_argument("--train", type=int, default=60000)
    parser.add_argument("--test", type=int, default=10000)
    parser.add_argument("--predictions")
    args = parser.parse_args()
    x_train, y_train, x_test, y_test = load_mnist(args.mnist_dir, args.train, args.test)
    start = time.perf_counter()
    knn = KNeighborsClassifier(n_neighbors=1, algorithm="brute", n_jobs=-1).fit(x_train, y_train)
    predicted = knn.predict(x_test)
    seconds = time.perf_counter() - start
    if args.predictions:
        predicted.astype(np.uint8).tofile(args.predictions)
    print(json.dumps({"peer": "scikit-learn", "version": sklearn.__version__, "accuracy": float((predicted == y_test).mean()), "seconds": seconds}))


if __name__ == "__main__":
    main()
