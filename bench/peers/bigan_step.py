"""PyTorch peer of bench/step.ts: the same BiGAN training step (reproduction MLPs, batch 128, Adam), on the CPU.

Prints one JSON line: {"peer": "pytorch", "msPerStep": ..., "threads": ..., "blasThreads": ...}.
`--threads` sets PyTorch's own thread count; Debian's PyTorch does its matrix products in OpenBLAS, whose
threads that setting does not change, so the BLAS thread count is reported beside it (null when unknown).
Usage: python3 bigan_step.py [--warmup 5] [--steps 30] [--threads N]
"""
import torch
from torch import nn

from step_timing import parse_args, time_steps


def mlp(sizes, hidden_act, out_act=None):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        last = i == len(sizes) - 2
        if not last:
            if i == 1:
                layers.append(nn.BatchNorm1d(b, momentum=0.1, eps=1e-5))
            layers.append(hidden_act())
        elif out_act is not None:
            layers.append(out_act())
    return nn.Sequential(*layers)


def blas_threads():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    counts = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return max(counts) if counts else None


def main():
    args = parse_args(__doc__.splitlines()[0])
    leaky = lambda: nn.LeakyReLU(0.2)  # noqa: E731
    encoder = mlp([784, 1024, 1024, 50], leaky)
    generator = mlp([50, 1024, 1024, 784], nn.ReLU, nn.Sigmoid)
    discriminator = mlp([834, 1024, 1024, 1], leaky)
    adam = lambda params: torch.optim.Adam(params, lr=2e-4, betas=(0.5, 0.999), weight_decay=2.5e-5)  # noqa: E731
    opt_d = adam(discriminator.parameters())
    opt_eg = adam(list(encoder.parameters()) + list(generator.parameters()))
    bce = nn.BCEWithLogitsLoss()
    x = torch.rand(128, 784)
    ones, zeros = torch.ones(128, 1), torch.zeros(128, 1)

    def step():
        z = torch.rand(128, 50) * 2 - 1
        ex, gz = encoder(x), generator(z)
        d_loss = bce(discriminator(torch.cat([x, ex.detach()], 1)), ones) + bce(discriminator(torch.cat([gz.detach(), z], 1)), zeros)
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        ex, gz = encoder(x), generator(z)
        eg_loss = bce(discriminator(torch.cat([x, ex], 1)), zeros) + bce(discriminator(torch.cat([gz, z], 1)), ones)
        opt_eg.zero_grad()
        eg_loss.backward()
        opt_eg.step()
        return float(d_loss) + float(eg_loss)

    time_steps(step, args, blasThreads=blas_threads())


if __name__ == "__main__":
    main()
