"""What the PyTorch step peers share: their command line and the timing of `step`, printed as one JSON line."""
import argparse
import json
import time

import torch


def parse_args(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    return args


def time_steps(step, args, **extra):
    for _ in range(args.warmup):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    ms = (time.perf_counter() - start) * 1000 / args.steps
    print(json.dumps({"peer": "pytorch", "version": torch.__version__, "msPerStep": ms,
                      "threads": torch.get_num_threads(), "steps": args.steps, **extra}))
