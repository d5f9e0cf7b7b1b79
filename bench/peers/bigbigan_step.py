"""PyTorch peer of the BigBiGAN step (the ablation table's Base, lib/config/bigbigan-presets.ts), on the CPU.

The same networks as lib/models/bigbigan.ts: G dense 7x7x128 (BN, ReLU) -> transposed conv 64 (BN, ReLU) ->
transposed conv 1 (sigmoid); E conv 32 -> conv 64 (BN) -> dense 256 -> mean and log-variance, z sampled; D as F
(conv 32, conv 64, dense 256) on x, H (dense 256, dense 256) on z, J (dense 512, dense 512) on [F, H], a linear
score on each, every layer spectrally normalised (one power iteration a step); LeakyReLU 0.2; hinge losses on
s_x, s_z and s_xz; Adam 2e-4 (0.5, 0.999); batch 64, latent 32. As in lib/training/step.ts, E(x) and G(z) are
computed once a step: D's update sees them detached, then E and G are updated against the updated D.
Prints one JSON line: {"peer": "pytorch", "msPerStep": ..., "threads": ...}.
Usage: python3 bigbigan_step.py [--warmup 5] [--steps 30] [--threads N]
"""
import torch
from torch import nn
from torch.nn.utils import spectral_norm

from step_timing import parse_args, time_steps

LATENT, HIDDEN, FEATURES, BATCH = 32, 256, 256, 64
CG, CE, CD = 64, 32, 32


def leaky():
    return nn.LeakyReLU(0.2)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Sequential(nn.Linear(LATENT, 7 * 7 * 2 * CG), nn.BatchNorm1d(7 * 7 * 2 * CG), nn.ReLU())
        self.convs = nn.Sequential(
            nn.ConvTranspose2d(2 * CG, CG, 4, 2, 1), nn.BatchNorm2d(CG), nn.ReLU(),
            nn.ConvTranspose2d(CG, 1, 4, 2, 1), nn.Sigmoid())

    def forward(self, z):
        return self.convs(self.dense(z).view(-1, 2 * CG, 7, 7)).view(-1, 784)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.convs = nn.Sequential(
            nn.Conv2d(1, CE, 4, 2, 1), leaky(),
            nn.Conv2d(CE, 2 * CE, 4, 2, 1), nn.BatchNorm2d(2 * CE), leaky())
        self.features = nn.Sequential(nn.Linear(7 * 7 * 2 * CE, FEATURES), leaky())
        self.mean = nn.Linear(FEATURES, LATENT)
        self.log_variance = nn.Linear(FEATURES, LATENT)

    def forward(self, x):
        h = self.features(self.convs(x.view(-1, 1, 28, 28)).flatten(1))
        mean, log_variance = self.mean(h), self.log_variance(h)
        return mean + torch.exp(0.5 * log_variance) * torch.randn_like(mean)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        sn = spectral_norm
        self.f = nn.Sequential(
            sn(nn.Conv2d(1, CD, 4, 2, 1)), leaky(), sn(nn.Conv2d(CD, 2 * CD, 4, 2, 1)), leaky(), nn.Flatten(),
            sn(nn.Linear(7 * 7 * 2 * CD, FEATURES)), leaky())
        self.h = nn.Sequential(sn(nn.Linear(LATENT, HIDDEN)), leaky(), sn(nn.Linear(HIDDEN, FEATURES)), leaky())
        self.j = nn.Sequential(sn(nn.Linear(2 * FEATURES, 2 * HIDDEN)), leaky(),
                               sn(nn.Linear(2 * HIDDEN, 2 * HIDDEN)), leaky())
        self.s_x, self.s_z, self.s_xz = (sn(nn.Linear(FEATURES, 1)), sn(nn.Linear(FEATURES, 1)),
                                         sn(nn.Linear(2 * HIDDEN, 1)))

    def forward(self, x, z):
        f, h = self.f(x.view(-1, 1, 28, 28)), self.h(z)
        return self.s_x(f), self.s_z(h), self.s_xz(self.j(torch.cat([f, h], 1)))


def main():
    args = parse_args(__doc__.splitlines()[0])
    generator, encoder, discriminator = Generator(), Encoder(), Discriminator()
    adam = lambda params: torch.optim.Adam(params, lr=2e-4, betas=(0.5, 0.999))  # noqa: E731
    opt_d = adam(discriminator.parameters())
    opt_eg = adam(list(encoder.parameters()) + list(generator.parameters()))
    x = torch.rand(BATCH, 784)

    def step():
        z = torch.randn(BATCH, LATENT)
        ex, gz = encoder(x), generator(z)
        real, fake = discriminator(x, ex.detach()), discriminator(gz.detach(), z)
        d_loss = sum(torch.relu(1 - r).mean() + torch.relu(1 + f).mean() for r, f in zip(real, fake))
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        real, fake = discriminator(x, ex), discriminator(gz, z)
        eg_loss = sum(r.mean() - f.mean() for r, f in zip(real, fake))
        opt_eg.zero_grad()
        eg_loss.backward()
        opt_eg.step()
        return float(d_loss) + float(eg_loss)

    time_steps(step, args)


if __name__ == "__main__":
    main()
