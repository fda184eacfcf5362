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

Mirroring conventions: NCHW here, NHWC in tfjs; k4 s2 convolutions with padding 1 (= tfjs 'same'
for even sizes); batch norm with batch statistics, eps 1e-5 (generator: running statistics
updated, momentum 0.1); leaky ReLU 0.2 (tfjs writes it as 0.6x + 0.4|x| for second-order
gradients; same function); Adam with the config's settings; metrics stacked into one tensor and
read back once per step (the bench's tfjs side awaits metrics.data() every step). One step is
exactly what the model's trainStep does:
  - dcgan:   D update on real + fake (G without gradients), then G update on the same latents.
  - wgan-gp: one critic update with the gradient penalty (double backprop); every nCritic-th step
             also a G update on fresh latents. Steps are bimodal: see meanMs / imagesPerSecond.
  - vae:     one encoder+decoder update on SSE + beta * KL.
  - ddpm:    one U-Net update on the noise-prediction MSE at uniform random timesteps (cosine or
             linear schedule), then the EMA update (models/ddpm.ts, models/nets/unet.ts).

Needs torch; the pyenv `python3` on this machine's PATH has none, /usr/bin/python3 does. Without
torch the script prints a `skipped` JSON line and exits with status 0.
"""
import argparse
import json
import math
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
    "ddpm32": dict(kind="ddpm", resolution=32, channels=1, numClasses=0, latentDim=1024, batchSize=16, width=32,
                   channelMultipliers=[1, 2, 2], timesteps=1000, betaSchedule="cosine", samplingSteps=50, emaDecay=0.999,
                   adam=dict(learningRate=2e-4, beta1=0.9, beta2=0.999, epsilon=1e-8)),
}

# bench/dcganArchitectures.ts (a fixed narrow workload for comparing backends, not a studio model).
NARROW_SPECS = {
    "narrow-dcgan28": dict(image=28, seed_side=7, seed_channels=128, g_channels=[64], d_channels=[64, 128]),
    "narrow-dcgan64": dict(image=64, seed_side=4, seed_channels=256, g_channels=[128, 64, 32], d_channels=[32, 64, 128, 256]),
}
NARROW_LATENT = 100
LABEL_EMBEDDING_DIM = 32  # models/nets/convNets.ts


def pyramid(resolution):
    """models/nets/convNets.ts pyramid(): first map side and number of 2x steps."""
    start = 7 if resolution % 7 == 0 else 4
    steps = round(math.log2(resolution / start))
    if start * 2 ** steps != resolution or steps < 1:
        raise ValueError(f"resolution {resolution} unsupported")
    return start, steps


def adam(params, cfg):
    a = cfg["adam"]
    return torch.optim.Adam(params, lr=a["learningRate"], betas=(a["beta1"], a["beta2"]), eps=a["epsilon"])


def global_norm(params):
    return torch.sqrt(sum(p.grad.square().sum() for p in params if p.grad is not None))


class StudioGenerator(nn.Module):
    """models/nets/convNets.ts Generator: dense -> BN/ReLU -> (convT k4 s2, BN, ReLU)* -> convT -> tanh."""

    def __init__(self, cfg):
        super().__init__()
        start, levels = pyramid(cfg["resolution"])
        width = cfg["width"]
        ch = [width * 2 ** (levels - 1 - level) for level in range(levels)]
        self.start, self.c0 = start, ch[0]
        self.classes = cfg["numClasses"]
        in_dim = cfg["latentDim"] + (LABEL_EMBEDDING_DIM if self.classes else 0)
        if self.classes:
            self.embed = nn.Parameter(torch.randn(self.classes, LABEL_EMBEDDING_DIM))
        self.dense = nn.Linear(in_dim, start * start * ch[0], bias=False)
        self.bn0 = nn.BatchNorm2d(ch[0], eps=1e-5, momentum=0.1)
        ups = []
        for i in range(1, levels):
            ups += [nn.ConvTranspose2d(ch[i - 1], ch[i], 4, 2, 1, bias=False), nn.BatchNorm2d(ch[i], eps=1e-5, momentum=0.1), nn.ReLU()]
        self.ups = nn.Sequential(*ups)
        self.out = nn.ConvTranspose2d(ch[-1], cfg["channels"], 4, 2, 1, bias=True)

    def forward(self, z, onehot):
        if self.classes:
            z = torch.cat([z, onehot @ self.embed], 1)
        h = self.dense(z).view(-1, self.c0, self.start, self.start)
        h = self.ups(F.relu(self.bn0(h)))
        return torch.tanh(self.out(h))


class StudioDiscriminator(nn.Module):
    """models/nets/convNets.ts Discriminator: (conv k4 s2 [+BN], leaky)* -> dense, plus the projection head."""

    def __init__(self, cfg, batch_norm):
        super().__init__()
        start, levels = pyramid(cfg["resolution"])
        width = cfg["width"]
        layers = []
        for j in range(levels):
            cin = cfg["channels"] if j == 0 else width * 2 ** (j - 1)
            cout = width * 2 ** j
            bn = batch_norm and j > 0
            layers.append(nn.Conv2d(cin, cout, 4, 2, 1, bias=not bn))
            if bn:  # batch statistics only, as the tfjs critic (no running statistics)
                layers.append(nn.BatchNorm2d(cout, eps=1e-5, track_running_stats=False))
            layers.append(nn.LeakyReLU(0.2))
        self.features = nn.Sequential(*layers)
        self.feature_dim = start * start * width * 2 ** (levels - 1)
        self.out = nn.Linear(self.feature_dim, 1)
        self.classes = cfg["numClasses"]
        if self.classes:
            self.embed = nn.Parameter(torch.randn(self.classes, self.feature_dim) * 0.02)

    def forward(self, x, onehot):
        phi = self.features(x).flatten(1)
        out = self.out(phi).view(-1)
        if self.classes:
            out = out + ((onehot @ self.embed) * phi).sum(1)
        return out


class StudioEncoder(nn.Module):
    """models/vae.ts Encoder: (conv k4 s2 + bias, leaky)* -> dense head to (mu, logVar)."""

    def __init__(self, cfg):
        super().__init__()
        start, levels = pyramid(cfg["resolution"])
        width = cfg["width"]
        layers = []
        for j in range(levels):
            cin = cfg["channels"] if j == 0 else width * 2 ** (j - 1)
            layers += [nn.Conv2d(cin, width * 2 ** j, 4, 2, 1, bias=True), nn.LeakyReLU(0.2)]
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(start * start * width * 2 ** (levels - 1) + cfg["numClasses"], 2 * cfg["latentDim"])

    def forward(self, x, onehot):
        phi = self.features(x).flatten(1)
        if onehot is not None:
            phi = torch.cat([phi, onehot], 1)
        return self.head(phi).chunk(2, dim=1)


def alpha_bars(schedule, timesteps):
    """models/ddpm.ts alphaBars: cumulative products of 1 - beta, float64."""
    if schedule == "linear":
        scale = 1000 / timesteps
        betas = [min(0.999, scale * (1e-4 + (t / (timesteps - 1) if timesteps > 1 else 0) * (0.02 - 1e-4))) for t in range(timesteps)]
    else:
        f = lambda t: math.cos(((t / timesteps) + 0.008) / 1.008 * (math.pi / 2)) ** 2
        betas = [min(0.999, 1 - f(t + 1) / f(t)) for t in range(timesteps)]
    out, product = [], 1.0
    for b in betas:
        product *= 1 - b
        out.append(product)
    return torch.tensor(out, dtype=torch.float64)


def timestep_features(t, dim):
    """models/nets/unet.ts timestepFeatures: [sin(t f_k), cos(t f_k)], f_k = 10000^(-k/half)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10_000) * torch.arange(half, dtype=torch.float32) / half)
    angles = t.float()[:, None] * freqs[None, :]
    return torch.cat([angles.sin(), angles.cos()], 1)


class ResBlock(nn.Module):
    """models/nets/unet.ts applyResBlock: GN -> SiLU -> conv3, + time, GN -> SiLU -> conv3, + (1x1) skip."""

    def __init__(self, cin, cout, time_dim):
        super().__init__()
        self.norm1 = nn.GroupNorm(math.gcd(cin, 8), cin, eps=1e-5)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.time = nn.Linear(time_dim, cout)
        self.norm2 = nn.GroupNorm(math.gcd(cout, 8), cout, eps=1e-5)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time(emb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + (self.skip(x) if self.skip is not None else x)


class StudioUNet(nn.Module):
    """models/nets/unet.ts UNet: one residual block per level, stride-2 conv down, nearest 2x + conv up, skips."""

    def __init__(self, cfg):
        super().__init__()
        width, mults = cfg["width"], cfg["channelMultipliers"]
        ch = [width * m for m in mults]
        self.feature_dim = 2 * max(1, width // 2)
        time_dim = 4 * width
        self.fc1, self.fc2 = nn.Linear(self.feature_dim, time_dim), nn.Linear(time_dim, time_dim)
        self.classes = cfg["numClasses"]
        if self.classes:
            self.class_embed = nn.Parameter(torch.randn(self.classes, time_dim))
        self.inp = nn.Conv2d(cfg["channels"], width, 3, 1, 1)
        levels = len(ch)
        self.down = nn.ModuleList([ResBlock(width if i == 0 else ch[i - 1], ch[i], time_dim) for i in range(levels)])
        self.pool = nn.ModuleList([nn.Conv2d(ch[i], ch[i], 3, 2, 1) for i in range(levels - 1)])
        self.mid = ResBlock(ch[-1], ch[-1], time_dim)
        self.up = nn.ModuleList([ResBlock(2 * ch[i], ch[i], time_dim) for i in range(levels)])
        self.upsample = nn.ModuleList([nn.Conv2d(ch[i], ch[i - 1], 3, 1, 1) if i > 0 else nn.Identity() for i in range(levels)])
        self.out_norm = nn.GroupNorm(math.gcd(ch[0], 8), ch[0], eps=1e-5)
        self.out = nn.Conv2d(ch[0], cfg["channels"], 3, 1, 1)

    def forward(self, x, t, onehot):
        emb = self.fc2(F.silu(self.fc1(timestep_features(t, self.feature_dim))))
        if self.classes:
            emb = emb + onehot @ self.class_embed
        emb = F.silu(emb)
        h = self.inp(x)
        skips = []
        for i, block in enumerate(self.down):
            h = block(h, emb)
            skips.append(h)
            if i < len(self.pool):
                h = self.pool[i](h)
        h = self.mid(h, emb)
        for i in reversed(range(len(self.up))):
            h = self.up[i](torch.cat([h, skips[i]], 1), emb)
            if i > 0:
                h = self.upsample[i](F.interpolate(h, scale_factor=2, mode="nearest"))
        return self.out(F.silu(self.out_norm(h)))


def check_supported(name, cfg):
    # The GAN options are off in every bench config; a DDPM's EMA is mirrored (it is on by default).
    for option in ("diffAugment", "attentionResolution") + (() if cfg["kind"] == "ddpm" else ("emaDecay",)):
        if cfg.get(option) is not None:
            raise ValueError(f"{name}: {option} is not mirrored in the PyTorch reference")
    if cfg.get("spectralNorm"):
        raise ValueError(f"{name}: spectralNorm is not mirrored in the PyTorch reference")


def studio_step_fn(name, cfg):
    """Returns step() -> list of metric floats, doing exactly one trainStep of the studio model."""
    check_supported(name, cfg)
    kind, batch, res, channels = cfg["kind"], cfg["batchSize"], cfg["resolution"], cfg["channels"]
    classes, latent = cfg["numClasses"], cfg["latentDim"]
    torch.manual_seed(cfg.get("seed", 1))
    real = torch.rand(batch, channels, res, res) * 2 - 1
    onehot = F.one_hot(torch.arange(batch) % classes, classes).float() if classes else None
    state = {"step": 0}

    if kind == "dcgan":
        g, d = StudioGenerator(cfg), StudioDiscriminator(cfg, cfg["discriminatorBatchNorm"])
        g_opt, d_opt = adam(g.parameters(), cfg), adam(d.parameters(), cfg)
        smooth = cfg["labelSmoothing"]

        def step():
            z = torch.randn(batch, latent)
            with torch.no_grad():
                fake = g(z, onehot)
            d_opt.zero_grad(set_to_none=True)
            real_logits, fake_logits = d(real, onehot), d(fake, onehot)
            loss_d = (F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, 1 - smooth))
                      + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
            loss_d.backward()
            norm_d = global_norm(d.parameters())
            d_opt.step()
            g_opt.zero_grad(set_to_none=True)
            d.requires_grad_(False)
            logits = d(g(z, onehot), onehot)
            loss_g = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
            loss_g.backward()
            d.requires_grad_(True)
            norm_g = global_norm(g.parameters())
            g_opt.step()
            with torch.no_grad():
                metrics = torch.stack([loss_d, loss_g, torch.sigmoid(real_logits).mean(), torch.sigmoid(fake_logits).mean(), norm_d, norm_g])
            return metrics.tolist()
        return step

    if kind == "wgan-gp":
        g, d = StudioGenerator(cfg), StudioDiscriminator(cfg, False)
        g_opt, d_opt = adam(g.parameters(), cfg), adam(d.parameters(), cfg)
        n_critic, gp_weight = cfg["nCritic"], cfg["gpWeight"]

        def step():
            update_g = (state["step"] + 1) % n_critic == 0
            state["step"] += 1
            with torch.no_grad():
                fake = g(torch.randn(batch, latent), onehot)
            d_opt.zero_grad(set_to_none=True)
            d_real, d_fake = d(real, onehot).mean(), d(fake, onehot).mean()
            eps = torch.rand(batch, 1, 1, 1)
            xhat = (fake + (real - fake) * eps).requires_grad_(True)
            grad, = torch.autograd.grad(d(xhat, onehot).sum(), xhat, create_graph=True)
            norms = torch.sqrt(grad.square().sum([1, 2, 3]) + 1e-12)
            gp = (norms - 1).square().mean()
            wasserstein = d_real - d_fake
            loss_d = -wasserstein + gp_weight * gp
            loss_d.backward()
            norm_d = global_norm(d.parameters())
            d_opt.step()
            loss_g, norm_g = -d_fake.detach(), torch.tensor(float("nan"))
            if update_g:
                g_opt.zero_grad(set_to_none=True)
                d.requires_grad_(False)
                loss_g = -d(g(torch.randn(batch, latent), onehot), onehot).mean()
                loss_g.backward()
                d.requires_grad_(True)
                norm_g = global_norm(g.parameters())
                g_opt.step()
            with torch.no_grad():
                metrics = torch.stack([loss_d, loss_g, gp, wasserstein, d_real, d_fake, norms.mean(), norm_d, norm_g,
                                       torch.tensor(1.0 if update_g else 0.0)])
            return metrics.tolist()
        return step

    if kind == "vae":
        enc, dec = StudioEncoder(cfg), StudioGenerator(cfg)
        params = list(enc.parameters()) + list(dec.parameters())
        opt, beta = adam(params, cfg), cfg["beta"]

        def step():
            opt.zero_grad(set_to_none=True)
            mu, log_var = enc(real, onehot)
            z = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)
            recon = dec(z, onehot)
            sse = (real - recon).square().sum([1, 2, 3]).mean()
            kl = -0.5 * (1 + log_var - mu.square() - log_var.exp()).sum(1).mean()
            loss = sse + beta * kl
            loss.backward()
            norm = global_norm(params)
            opt.step()
            with torch.no_grad():
                metrics = torch.stack([loss, sse, kl, sse / (res * res * channels), norm])
            return metrics.tolist()
        return step

    if kind == "ddpm":
        unet = StudioUNet(cfg)
        params = list(unet.parameters())
        opt = adam(params, cfg)
        ema = [p.detach().clone() for p in params] if cfg["emaDecay"] is not None else None
        alpha_bar = alpha_bars(cfg["betaSchedule"], cfg["timesteps"]).float()

        def step():
            t = torch.randint(cfg["timesteps"], (batch,))
            noise = torch.randn_like(real)
            a = alpha_bar[t][:, None, None, None]
            noisy = real * a.sqrt() + noise * (1 - a).sqrt()
            opt.zero_grad(set_to_none=True)
            loss = (unet(noisy, t, onehot) - noise).square().mean()
            loss.backward()
            norm = global_norm(params)
            opt.step()
            if ema is not None:  # models/layers/ema.ts: decay min(d, (1 + t) / (10 + t))
                d = min(cfg["emaDecay"], (1 + state["step"]) / (10 + state["step"]))
                with torch.no_grad():
                    for shadow, p in zip(ema, params):
                        shadow.mul_(d).add_(p, alpha=1 - d)
            state["step"] += 1
            with torch.no_grad():
                metrics = torch.stack([loss, norm])
            return metrics.tolist()
        return step

    raise ValueError(f"{name}: kind {kind!r} has no PyTorch mirror in this script")


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
    g, d = NarrowGenerator(spec), NarrowDiscriminator(spec)
    g_opt = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    real = torch.rand(batch, 1, spec["image"], spec["image"]) * 2 - 1
    z = torch.randn(batch, NARROW_LATENT)
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
        "backend": f"pytorch-{torch.__version__}", "threads": torch.get_num_threads(), "model": name, "batch": batch,
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
    parser.add_argument("--budget-s", type=float, default=30.0, help="seconds per model, counted after the first step")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
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
