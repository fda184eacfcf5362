#!/usr/bin/env python3
"""Sanity check of the studio's samplers on a trained DDPM (not a test: a developer's measurement).

    /usr/bin/python3 python/dpm_solver_trained_check.py [SECONDS] [../shared/data/pneumoniamnist/pneumoniamnist.npz]

Trains a small noise-prediction U-Net (PyTorch, CPU) for SECONDS (default 240) on PneumoniaMNIST padded
to 32 px, with the studio's cosine schedule (T = 1000), then samples 64 images from the same noise with
DDIM-1000 (the many-step reference), DDIM-50, and DPM-Solver++(2M) on the studio's path (one pass from
level 999 to the first level with λ ≥ −5.1, logSNR steps from there to level 0, then the x_0 estimate),
on that grid without the first pass, and on the earlier grid spread from λ_999, x_0 clipped
to [-1, 1] at every pass as models/ddpm.ts does. Prints each sampler's per-pixel RMS to the reference
(median and mean over images) in grey levels of 255.
"""
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)
torch.manual_seed(0)
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 240
DATA = sys.argv[2] if len(sys.argv) > 2 else "../shared/data/pneumoniamnist/pneumoniamnist.npz"
T = 1000


def cosine_alpha_bars(T):
    f = lambda t: math.cos((t / T + 0.008) / 1.008 * math.pi / 2) ** 2
    betas = np.array([min(0.999, 1 - f(t + 1) / f(t)) for t in range(T)])
    return np.cumprod(1 - betas)


ABAR = cosine_alpha_bars(T)
LAM = 0.5 * np.log(ABAR / (1 - ABAR))


class Block(nn.Module):
    def __init__(self, cin, cout, tdim):
        super().__init__()
        self.n1, self.c1 = nn.GroupNorm(8, cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.t = nn.Linear(tdim, cout)
        self.n2, self.c2 = nn.GroupNorm(8, cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, temb):
        h = self.c1(F.silu(self.n1(x))) + self.t(temb)[:, :, None, None]
        return self.c2(F.silu(self.n2(h))) + self.skip(x)


class UNet(nn.Module):
    def __init__(self, w=48):
        super().__init__()
        self.tdim = w * 4
        self.temb = nn.Sequential(nn.Linear(w, self.tdim), nn.SiLU(), nn.Linear(self.tdim, self.tdim))
        self.w = w
        self.inc = nn.Conv2d(1, w, 3, padding=1)
        self.d1, self.d2, self.mid = Block(w, w, self.tdim), Block(w, 2 * w, self.tdim), Block(2 * w, 2 * w, self.tdim)
        self.u2, self.u1 = Block(4 * w, w, self.tdim), Block(2 * w, w, self.tdim)
        self.out = nn.Sequential(nn.GroupNorm(8, w), nn.SiLU(), nn.Conv2d(w, 1, 3, padding=1))

    def forward(self, x, t):
        half = self.w // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half) / half)
        args = t.float()[:, None] * freqs[None]
        temb = self.temb(torch.cat([args.sin(), args.cos()], 1))
        h0 = self.d1(self.inc(x), temb)  # 32
        h1 = self.d2(F.avg_pool2d(h0, 2), temb)  # 16
        m = self.mid(F.avg_pool2d(h1, 2), temb)  # 8
        u = self.u2(torch.cat([F.interpolate(m, scale_factor=2), h1], 1), temb)
        u = self.u1(torch.cat([F.interpolate(u, scale_factor=2), h0], 1), temb)
        return self.out(u)


def train(model, images):
    opt = torch.optim.Adam(model.parameters(), lr=5e-4)
    abar = torch.tensor(ABAR, dtype=torch.float32)
    start, step = time.time(), 0
    while time.time() - start < SECONDS:
        x0 = images[torch.randint(0, len(images), (64,))]
        t = torch.randint(0, T, (64,))
        a = abar[t][:, None, None, None]
        eps = torch.randn_like(x0)
        loss = F.mse_loss(model(a.sqrt() * x0 + (1 - a).sqrt() * eps, t), eps)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 500 == 0:
            print(f"step {step} loss {loss.item():.4f} ({time.time() - start:.0f} s)", flush=True)
    return step


def sample(model, x, path, second_order, restart_below=-math.inf):
    """The studio's sampleDiffusion: DDIM (first order) or DPM-Solver++(2M) over integer levels, −1 = x_0.
    An x_0 estimate made at λ < restart_below is not reused by the next step (it stays first order)."""
    prev = None
    with torch.no_grad():
        for s, t in zip(path[:-1], path[1:]):
            a_s, s_s = math.sqrt(ABAR[s]), math.sqrt(1 - ABAR[s])
            eps = model(x, torch.full((x.shape[0],), s))
            x0 = ((x - s_s * eps) / a_s).clamp(-1, 1)
            if t < 0:
                return x0
            a_t, s_t = math.sqrt(ABAR[t]), math.sqrt(1 - ABAR[t])
            h = LAM[t] - LAM[s]
            d = x0
            if second_order and prev is not None:
                r = prev[1] / h
                d = (1 + 1 / (2 * r)) * x0 - (1 / (2 * r)) * prev[0]
            x = (s_t / s_s) * x - a_t * math.expm1(-h) * d
            prev = (x0, h) if LAM[s] >= restart_below else None
    return x


def ddim_path(steps):
    return [round(-1 + i * T / steps) for i in range(steps, -1, -1)]


def logsnr_path(steps, start):
    """The studio's dpmSolverTimesteps from level `start`: nearest levels to an even λ grid, then −1."""
    first, last = LAM[start], LAM[0]
    path, t = [], start
    for i in range(steps):
        target = first + (last - first) * i / (steps - 1)
        while t > steps - 1 - i and abs(LAM[t - 1] - target) <= abs(LAM[t] - target):
            t -= 1
        path.append(t)
        t -= 1
    return path + [-1]


def main():
    data = np.load(DATA)["train_images"].astype(np.float32) / 127.5 - 1
    images = F.pad(torch.from_numpy(data)[:, None], (2, 2, 2, 2), value=-1.0)
    model = UNet()
    cache = os.environ.get("DPM_CHECK_CACHE")
    if cache and os.path.exists(cache):
        model.load_state_dict(torch.load(cache))
        steps = "cached"
    else:
        steps = train(model, images)
        if cache:
            torch.save(model.state_dict(), cache)
    model.eval()
    x = torch.randn(64, 1, 32, 32, generator=torch.Generator().manual_seed(1))
    t0 = time.time()
    ref_cache = cache + ".ref" if cache else None
    if ref_cache and os.path.exists(ref_cache):
        ref = torch.load(ref_cache)
    else:
        ref = sample(model, x, ddim_path(1000), False)
        if ref_cache:
            torch.save(ref, ref_cache)
    print(f"trained {steps} steps; DDIM-1000 reference in {time.time() - t0:.0f} s")
    clipped_start = max(t for t in range(T) if LAM[t] >= -5.1)
    runs = {"DDIM-50": (ddim_path(50), False)}
    for n in (10, 15, 20):
        runs[f"DPM-Solver++ {n} (studio path)"] = ([T - 1] + logsnr_path(n - 1, clipped_start), True, -5.1)
        runs[f"DPM-Solver++ {n} (lead, 2M reusing it)"] = ([T - 1] + logsnr_path(n - 1, clipped_start), True)
        runs[f"DPM-Solver++ {n} (grid from the clip, no lead)"] = (logsnr_path(n, clipped_start), True)
        runs[f"DPM-Solver++ {n} (earlier grid from level 999)"] = (logsnr_path(n, T - 1), True)
    runs["DDIM-15"] = (ddim_path(15), False)
    for name, (path, second, *restart) in runs.items():
        out = sample(model, x, path, second, *restart)
        per = ((out - ref) ** 2).mean((1, 2, 3)).sqrt() * 127.5
        print(f"{name:48s} RMS to DDIM-1000: median {per.median():.2f}, mean {per.mean():.2f} grey levels")


main()
