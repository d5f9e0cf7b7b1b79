"""Writes data/splits/bigan-official-mnist.json: the validation digits of the official BiGAN MNIST run.

jeffdonahue/bigan's load.mnist_with_valid_set() shuffles MNIST's 60,000 training digits with
sklearn.utils.shuffle(random_state=np_rng), np_rng being lib/rng.py's RandomState(42) (bound when data.py is
imported, before --seed can replace it, and not drawn from before), then keeps the first 50,000 for training and the
last 10,000 for validation. sklearn's shuffle draws one permutation with RandomState.shuffle on arange(n); NumPy's
legacy RandomState stream is frozen (NEP 19), so this reproduces the official split exactly.

Run: .venv/bin/python scripts/official-split.py [OUT] (test/official-bigan.test.ts compares OUT with the committed file)
"""

import hashlib
import json
import os
import sys

import numpy as np

TRAIN_COUNT = 60000
OFFICIAL_TRAIN = 50000

order = np.arange(TRAIN_COUNT)
np.random.RandomState(42).shuffle(order)
validation = sorted(int(i) for i in order[OFFICIAL_TRAIN:])
body = {
    "source": "jeffdonahue/bigan load.py mnist_with_valid_set: sklearn.utils.shuffle with RandomState(42)",
    "trainFileCount": TRAIN_COUNT,
    "validation": validation,
}
text = json.dumps(body, separators=(",", ":"))
body["sha256"] = hashlib.sha256(text.encode()).hexdigest()
default = os.path.join(os.path.dirname(__file__), "..", "data", "splits", "bigan-official-mnist.json")
out = sys.argv[1] if len(sys.argv) > 1 else default
tmp = out + ".tmp"
with open(tmp, "w") as f:
    json.dump(body, f, separators=(",", ":"))
    f.write("\n")
os.replace(tmp, out)
print(f"{out}: {len(validation)} validation indices, sha256 {body['sha256'][:12]}")
