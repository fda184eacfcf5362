#!/usr/bin/env python3
"""PyTorch reference timing for the DCGAN train steps of bench/trainStep.node.ts.

    /usr/bin/python3 bench/pytorch_reference.py [--models dcgan28,dcgan64] [--steps 10]
        [--warmup 3] [--batch 16] [--threads 2]

Prints one JSON object per model on stdout. The networks mirror bench/dcganArchitectures.ts
layer for layer (NCHW here, NHWC there): k4 s2 convolutions with padding 1 (= tfjs 'same' for
even sizes), batch-norm with batch statistics and eps 1e-5, leaky ReLU 0.2, BCE with logits,
Adam(2e-4, betas 0.5/0.999). One step = one D update on real + fake (G run without gradients),
then one G update on the same latents with D's parameters frozen - the same work the tfjs step
does (tfjs computes gradients only for the variables it updates).

Needs torch; the pyenv `python3` on this machine's PATH has none, /usr/bin/python3 does. Without
torch the script says so and exits with status 0, so callers can skip the comparison.
"""
import argparse
import json
import statistics
import sys
import time

try:
    import torch
    from torch import nn
except ImportError:
    print(json.dumps({"skipped": f"torch is not installed for {sys.executable}; try /usr/bin/python3"}))
    sys.exit(0)

SPECS = {
    "dcgan28": dict(image=28, seed_side=7, seed_channels=128, g_channels=[64], d_channels=[64, 128]),
    "dcgan64": dict(image=64, seed_side=4, seed_channels=256, g_channels=[128, 64, 32], d_channels=[32, 64, 128, 256]),
}
LATENT = 100


class Generator(nn.Module):
    def __init__(self, spec):
        super().__init__()
        side, ch = spec["seed_side"], spec["seed_channels"]
        self.seed_shape = (ch, side, side)
        self.dense = nn.Sequential(nn.Linear(LATENT, ch * side * side), nn.BatchNorm1d(ch * side * side), nn.ReLU())
        layers = []
        channels = [ch] + spec["g_channels"]
        for cin, cout in zip(channels[:-1], channels[1:]):
            layers += [nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
        layers += [nn.ConvTranspose2d(channels[-1], 1, 4, 2, 1), nn.Tanh()]
        self.up = nn.Sequential(*layers)

    def forward(self, z):
        return self.up(self.dense(z).view(-1, *self.seed_shape))


class Discriminator(nn.Module):
    def __init__(self, spec):
        super().__init__()
        channels = [1] + spec["d_channels"]
        layers = [nn.Conv2d(1, channels[1], 4, 2, 1), nn.LeakyReLU(0.2)]
        for cin, cout in zip(channels[1:-1], channels[2:]):
            layers += [nn.Conv2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2)]
        self.features = nn.Sequential(*layers)
        final_side = spec["image"] // 2 ** len(spec["d_channels"])
        self.dense = nn.Linear(channels[-1] * final_side * final_side, 1)

    def forward(self, x):
        return self.dense(self.features(x).flatten(1))


def time_model(name, steps, warmup, batch):
    spec = SPECS[name]
    torch.manual_seed(1)
    g, d = Generator(spec), Discriminator(spec)
    g_opt = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    real = torch.rand(batch, 1, spec["image"], spec["image"]) * 2 - 1
    z = torch.randn(batch, LATENT)
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)

    def step():
        d_opt.zero_grad(set_to_none=True)
        with torch.no_grad():
            fake = g(z)
        d_loss = bce(d(real), ones) + bce(d(fake), zeros)
        d_loss.backward()
        d_opt.step()

        g_opt.zero_grad(set_to_none=True)
        d.requires_grad_(False)
        g_loss = bce(d(g(z)), ones)
        g_loss.backward()
        d.requires_grad_(True)
        g_opt.step()
        return d_loss.item(), g_loss.item()

    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        losses = step()
        times.append((time.perf_counter() - start) * 1000)
    return {
        "backend": f"pytorch-{torch.__version__}-{torch.get_num_threads()}threads",
        "model": name, "batch": batch, "steps": steps,
        "medianMs": statistics.median(times), "minMs": min(times), "maxMs": max(times),
        "losses": list(losses),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="dcgan28,dcgan64")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for name in args.models.split(","):
        if name not in SPECS:
            parser.error(f"unknown model {name!r}; choose from {', '.join(SPECS)}")
        print(json.dumps(time_model(name, args.steps, args.warmup, args.batch)), flush=True)


if __name__ == "__main__":
    main()
