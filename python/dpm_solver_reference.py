#!/usr/bin/env python3
"""An independent NumPy reference for models/diffusionSamplers.ts (read by models/dpmSolverReference.test.ts).

    /usr/bin/python3 python/dpm_solver_reference.py JOB_DIR

JOB_DIR/job.json holds {schedule, T, spread, means [K][D], x [N][D], nfe: [..], paths: {name: [levels]}}:
data drawn from a mixture of K Gaussians N(mu_k, spread^2 I) (equal weights), whose x_0 estimate
E[x_0 | x_t] is known in closed form at every noise level, and starting noise x. Writes JOB_DIR/out.json:

- exact: the probability-flow ODE from level T-1 solved finely (second-order multistep in lambda,
  3000 steps from lambda_{T-1} to lambda = 14, then the x_0 estimate), with the 1500-step solution's
  distance to it as `exact_check`;
- lu_<nfe>: DPM-Solver++(2M) as Lu et al.'s reference runs a discrete-time model at low resolution
  (dpm_solver_pytorch.py: NoiseScheduleVP('discrete') with its lambda clip at -5.1, skip_type
  'logSNR', t_0 = 1/N, multistep order 2, denoise_to_zero), in continuous time: nfe - 1 solver steps
  evenly spaced in lambda, not rounded to trained levels, then one denoising pass;
- path_<name>: DPM-Solver++(2M) on the given integer levels (-1 = x_0), written from Lu et al. 2022,
  Algorithm 2, in float64 (an estimate made below lambda = -5.1 is not extrapolated from, as the studio
  does after its first pass from level T - 1), to check models/diffusionSamplers.ts's update to round-off.

Needs numpy only; without it, writes {"skipped": reason}.
"""
import json
import math
import os
import sys

job_dir = sys.argv[1]
try:
    import numpy as np
except ImportError as error:  # the test skips with this reason
    with open(os.path.join(job_dir, "out.json"), "w") as f:
        json.dump({"skipped": f"{error} (for {sys.executable}); install python3-numpy"}, f)
    sys.exit(0)

LAMBDA_CLIP = -5.1  # NoiseScheduleVP.numerical_clip_alpha's clipped_lambda


def alpha_bars(schedule, T):
    """Cumulative products of (1 - beta): Ho et al.'s linear betas (rescaled to T), or Nichol & Dhariwal's cosine."""
    if schedule == "linear":
        scale = 1000 / T
        betas = np.minimum(0.999, scale * (1e-4 + np.linspace(0, 1, T) * (0.02 - 1e-4)))
    else:
        f = lambda t: math.cos((t / T + 0.008) / 1.008 * math.pi / 2) ** 2
        betas = np.array([min(0.999, 1 - f(t + 1) / f(t)) for t in range(T)])
    return np.cumprod(1 - betas)


def x0_estimate(x, alpha, sigma, means, spread):
    """E[x_0 | x_t = x] for the mixture: posterior weights times each component's Gaussian estimate."""
    var = alpha**2 * spread**2 + sigma**2
    logits = -((x[:, None, :] - alpha * means[None]) ** 2).sum(-1) / (2 * var)
    logits -= logits.max(1, keepdims=True)
    w = np.exp(logits)
    w /= w.sum(1, keepdims=True)
    shrink = alpha * spread**2 / var
    return (w @ means) * (1 - alpha * shrink) + x * shrink


def from_lambda(lam):
    """(alpha, sigma) of a VP process at half-log-SNR lambda = log(alpha / sigma); sigma = 0 at +inf."""
    if lam == math.inf:
        return 1.0, 0.0
    return math.sqrt(1 / (1 + math.exp(-2 * lam))), math.sqrt(1 / (1 + math.exp(2 * lam)))


def dpm_solver_pp_2m(x, lambdas, model, restart_below=-math.inf):
    """Algorithm 2 of Lu et al. 2022 (DPM-Solver++(2M)) over the lambda grid; a last +inf returns the x_0 estimate.

    x_{t_i} = (sigma_i / sigma_{i-1}) x - alpha_i (e^{-h_i} - 1) D_i, with D_1 = x_theta(t_0) and, after it,
    D_i = (1 + 1/(2 r_i)) x_theta(t_{i-1}) - 1/(2 r_i) x_theta(t_{i-2}), r_i = h_{i-1} / h_i.
    An estimate made at lambda < restart_below is not reused (the studio's rule for its first pass from T - 1).
    """
    prev_model, prev_h = None, None
    for i in range(1, len(lambdas)):
        a_s, s_s = from_lambda(lambdas[i - 1])
        a_t, s_t = from_lambda(lambdas[i])
        m = model(x, a_s, s_s)
        if s_t == 0:
            return m
        h = lambdas[i] - lambdas[i - 1]
        if prev_model is None:
            d = m
        else:
            r = prev_h / h
            d = (1 + 1 / (2 * r)) * m - (1 / (2 * r)) * prev_model
        x = (s_t / s_s) * x - a_t * np.expm1(-h) * d
        prev_model, prev_h = (m, h) if lambdas[i - 1] >= restart_below else (None, None)
    return x


def main():
    with open(os.path.join(job_dir, "job.json")) as f:
        job = json.load(f)
    T = job["T"]
    abar = alpha_bars(job["schedule"], T)
    lam_level = 0.5 * np.log(abar / (1 - abar))
    means = np.array(job["means"], dtype=np.float64)
    x = np.array(job["x"], dtype=np.float64)
    model = lambda y, a, s: x0_estimate(y, a, s, means, job["spread"])
    out = {}

    def exact(n):
        return dpm_solver_pp_2m(x, list(np.linspace(lam_level[T - 1], 14.0, n + 1)) + [math.inf], model)

    fine = exact(3000)
    out["exact"] = fine.tolist()
    out["exact_check"] = float(np.sqrt(((fine - exact(1500)) ** 2).mean()))

    # Lu et al.'s discrete-time schedule: log alpha_n = 0.5 log(abar_n), the levels whose lambda lies below
    # the clip cut off the end (numerical_clip_alpha), t_0 = 1/N the level 0. logSNR steps between them.
    kept = int(np.searchsorted(lam_level[::-1], LAMBDA_CLIP))  # how many trailing levels lie below the clip
    lam_T = lam_level[T - 1 - kept]
    for nfe in job["nfe"]:
        grid = list(np.linspace(lam_T, lam_level[0], nfe)) + [math.inf]  # nfe - 1 steps, then denoise_to_zero
        out[f"lu_{nfe}"] = dpm_solver_pp_2m(x, grid, model).tolist()

    for name, levels in job["paths"].items():
        grid = [math.inf if t < 0 else float(lam_level[t]) for t in levels]
        out[f"path_{name}"] = dpm_solver_pp_2m(x, grid, model, LAMBDA_CLIP).tolist()

    with open(os.path.join(job_dir, "out.json"), "w") as f:
        json.dump(out, f)


main()
