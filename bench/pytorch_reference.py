#!/usr/bin/env python3
"""PyTorch reference timings for the bench: the studio's models (models/) and the narrow DCGANs of
bench/dcganArchitectures.ts, mirrored layer for layer and trained with the same step.

    /usr/bin/python3 bench/pytorch_reference.py [--models dcgan28,dcgan64,cwgangp64,vae64,ddpm32]
        [--configs JSON] [--steps 10] [--warmup 2] [--threads 1] [--budget-s 30]
        [--batch 16]   (narrow-* models only; studio models take batchSize from their config)

Prints one JSON object per model on stdout. `npm run bench` passes --configs with the configs
createModel resolved (models/config.ts defaults + src/bench/benchModels.ts overrides), so both
sides build the same networks; without it the built-in STUDIO_CONFIGS below (a copy of those
defaults) are used.

The studio models come from python/phantom_models.py (the module the PyTorch export ships and the
parity tests check against the tfjs models: same outputs within 1e-4, same losses over three steps);
one step is exactly the model's train_step there, metrics stacked and read back once per step (the
bench's tfjs side awaits metrics.data() every step). --device cuda times them on an NVIDIA GPU
(bench/gpu/run.sh).

Needs torch; the pyenv `python3` on this machine's PATH has none, /usr/bin/python3 does. Without
torch the script prints a `skipped` JSON line and exits with status 0.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

try:
    import torch
    from torch import nn
    import torch.nn.functional as F
except ImportError:
    print(json.dumps({"skipped": f"torch is not installed for {sys.executable}; try /usr/bin/python3"}))
    sys.exit(0)

# The studio's models in PyTorch: one maintained module, shared with the PyTorch export and the parity tests.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import phantom_models as pm  # noqa: E402

DEVICE = torch.device("cpu")

# Copies of models/config.ts DEFAULT_CONFIGS with src/bench/benchModels.ts overrides (batch 16).
_GAN_OFF = dict(diffAugment=None, spectralNorm=False, attentionResolution=None, emaDecay=None)
STUDIO_CONFIGS = {
    "dcgan28": dict(kind="dcgan", resolution=28, channels=1, numClasses=0, latentDim=100, batchSize=16, width=64,
                    labelSmoothing=0, discriminatorBatchNorm=True, adam=dict(learningRate=2e-4, beta1=0.5, beta2=0.999, epsilon=1e-8), **_GAN_OFF),
    "dcgan64": dict(kind="dcgan", resolution=64, channels=1, numClasses=0, latentDim=100, batchSize=16, width=64,
                    labelSmoothing=0, discriminatorBatchNorm=True, adam=dict(learningRate=2e-4, beta1=0.5, beta2=0.999, epsilon=1e-8), **_GAN_OFF),
    "cwgangp64": dict(kind="wgan-gp", resolution=64, channels=1, numClasses=2, latentDim=100, batchSize=16, width=64,
                      nCritic=5, gpWeight=10, adam=dict(learningRate=1e-4, beta1=0.5, beta2=0.9, epsilon=1e-8), **_GAN_OFF),
    "vae64": dict(kind="vae", resolution=64, channels=1, numClasses=0, latentDim=64, batchSize=16, width=32, beta=1,
                  adam=dict(learningRate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8)),
    "ddpm32": dict(kind="ddpm", resolution=32, channels=1, numClasses=0, latentDim=1024, batchSize=16, width=16,
                   channelMultipliers=[1, 2, 2], timesteps=1000, betaSchedule="cosine", samplingSteps=50, emaDecay=0.999,
                   adam=dict(learningRate=2e-4, beta1=0.9, beta2=0.999, epsilon=1e-8)),
}

# bench/dcganArchitectures.ts (a fixed narrow workload for comparing backends, not a studio model).
NARROW_SPECS = {
    "narrow-dcgan28": dict(image=28, seed_side=7, seed_channels=128, g_channels=[64], d_channels=[64, 128]),
    "narrow-dcgan64": dict(image=64, seed_side=4, seed_channels=256, g_channels=[128, 64, 32], d_channels=[32, 64, 128, 256]),
}
NARROW_LATENT = 100


def check_supported(name, cfg):
    try:
        pm.check_supported(cfg)
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from None


def studio_step_fn(name, cfg):
    """Returns step() -> list of metric floats: one trainStep of the studio model, as python/phantom_models.py mirrors it."""
    check_supported(name, cfg)
    batch, res, channels, classes = cfg["batchSize"], cfg["resolution"], cfg["channels"], cfg["numClasses"]
    torch.manual_seed(cfg.get("seed", 1))
    model = pm.build(cfg).to(DEVICE)
    real = (torch.rand(batch, channels, res, res) * 2 - 1).to(DEVICE)
    onehot = F.one_hot(torch.arange(batch) % classes, classes).float().to(DEVICE) if classes else None

    def step():
        # Metrics stacked into one tensor and read back once per step, as the tfjs side awaits metrics.data().
        return model.train_step(real, onehot).tolist()
    return step


class NarrowGenerator(nn.Module):
    def __init__(self, spec):
        super().__init__()
        side, ch = spec["seed_side"], spec["seed_channels"]
        self.seed_shape = (ch, side, side)
        self.dense = nn.Sequential(nn.Linear(NARROW_LATENT, ch * side * side), nn.BatchNorm1d(ch * side * side), nn.ReLU())
        layers = []
        channels = [ch] + spec["g_channels"]
        for cin, cout in zip(channels[:-1], channels[1:]):
            layers += [nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
        layers += [nn.ConvTranspose2d(channels[-1], 1, 4, 2, 1), nn.Tanh()]
        self.up = nn.Sequential(*layers)

    def forward(self, z):
        return self.up(self.dense(z).view(-1, *self.seed_shape))


class NarrowDiscriminator(nn.Module):
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


def narrow_step_fn(name, batch):
    """bench/dcganArchitectures.ts DcganBenchModel.trainStep."""
    spec = NARROW_SPECS[name]
    torch.manual_seed(1)
    g, d = NarrowGenerator(spec).to(DEVICE), NarrowDiscriminator(spec).to(DEVICE)
    g_opt = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    real = (torch.rand(batch, 1, spec["image"], spec["image"]) * 2 - 1).to(DEVICE)
    z = torch.randn(batch, NARROW_LATENT, device=DEVICE)
    ones, zeros = torch.ones(batch, 1, device=DEVICE), torch.zeros(batch, 1, device=DEVICE)

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
        return [d_loss.item(), g_loss.item()]
    return step


def time_model(name, step, batch, steps, warmup, budget_s):
    """Same protocol as src/bench/trainJob.ts: warm-up steps (the first reported alone), then timed steps until the budget."""
    started = time.perf_counter()
    over = lambda: time.perf_counter() - started > budget_s
    warmup_ms = []
    for i in range(warmup):
        if i > 0 and over():
            break
        t0 = time.perf_counter()
        metrics = step()
        warmup_ms.append((time.perf_counter() - t0) * 1000)
        if i == 0:  # the budget starts after the first step, as on the tfjs side
            started = time.perf_counter()
    times = []
    while len(times) < steps and not over():
        t0 = time.perf_counter()
        metrics = step()
        times.append((time.perf_counter() - t0) * 1000)
    out = {
        "backend": f"pytorch-{torch.__version__}" + ("" if DEVICE.type == "cpu" else f"-{DEVICE.type}"), "threads": torch.get_num_threads(), "model": name, "batch": batch,
        "status": "ok" if len(times) == steps else "budget exceeded", "steps": len(times), "stepMs": times,
        "firstStepMs": warmup_ms[0], "warmupMs": warmup_ms, "lastMetrics": metrics,
    }
    if times:
        out.update(medianMs=statistics.median(times), minMs=min(times), maxMs=max(times), meanMs=sum(times) / len(times),
                   imagesPerSecond=batch * len(times) * 1000 / sum(times))
    if out["status"] != "ok":
        out["note"] = f"budget {budget_s:.0f} s after the first step: {len(times)}/{steps} steps timed"
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="dcgan28,dcgan64,cwgangp64,vae64,ddpm32")
    parser.add_argument("--configs", help="JSON object: model name -> resolved studio config (overrides STUDIO_CONFIGS)")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch", type=int, default=16, help="narrow-* models only")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument("--budget-s", type=float, default=30.0, help="seconds per model, counted after the first step")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    global DEVICE
    DEVICE = torch.device(args.device)
    configs = dict(STUDIO_CONFIGS)
    if args.configs:
        configs.update(json.loads(args.configs))
    for name in args.models.split(","):
        try:
            if name in NARROW_SPECS:
                result = time_model(name, narrow_step_fn(name, args.batch), args.batch, args.steps, args.warmup, args.budget_s)
            elif name in configs:
                cfg = configs[name]
                result = time_model(name, studio_step_fn(name, cfg), cfg["batchSize"], args.steps, args.warmup, args.budget_s)
            else:
                parser.error(f"unknown model {name!r}; choose from {', '.join([*configs, *NARROW_SPECS])}")
        except ValueError as error:  # a config this script cannot mirror: a row saying so, not a crash
            result = {"model": name, "status": "not available", "note": str(error)}
        result["configMirrored"] = configs.get(name) if name in configs else NARROW_SPECS.get(name)
        print(json.dumps(finite_or_none(result), allow_nan=False), flush=True)


def finite_or_none(value):
    """JSON has no NaN: WGAN-GP's gradNormG is NaN on critic-only steps, as on the tfjs side; write null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite_or_none(v) for v in value]
    return value


if __name__ == "__main__":
    main()
