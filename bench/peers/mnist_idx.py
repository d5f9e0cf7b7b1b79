"""MNIST's IDX files as the 1NN peers read them: pixels as float32 in [0, 1], one row a digit, and labels."""
import os

import numpy as np


def read_idx(path, header):
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


def load_mnist(mnist_dir, train, test):
    """The first `train` training digits and the first `test` test digits: (x_train, y_train, x_test, y_test)."""
    images = lambda name, n: read_idx(os.path.join(mnist_dir, name), 16).reshape(-1, 784)[:n].astype(np.float32) / 255
    labels = lambda name, n: read_idx(os.path.join(mnist_dir, name), 8)[:n]
    return (
        images("train-images-idx3-ubyte", train),
        labels("train-labels-idx1-ubyte", train),
        images("t10k-images-idx3-ubyte", test),
        labels("t10k-labels-idx1-ubyte", test),
    )
