#!/usr/bin/env python3
"""The PyTorch half of the parity tests (models/pytorchParity.test.ts): runs phantom_models.py on the
weights, inputs and random draws the tfjs side wrote, and writes what it computed.

    /usr/bin/python3 python/parity_check.py JOB_DIR

JOB_DIR/job.json lists the cases ({name, config, steps, forward: {...}}); JOB_DIR/in.npz holds the
tensors under "<case>/<part>/<name>", in the studio's layouts (NHWC images, HWIO kernels). Writes
JOB_DIR/out.npz (NHWC outputs) and JOB_DIR/out.json (metrics per training step). Without torch it
writes {"skipped": reason} to out.json and exits 0.
"""
import json
import math
import os
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as error:  # the test skips with this reason
    job = sys.argv[1]
    with open(os.path.join(job, "out.json"), "w") as f:
        json.dump({"skipped": f"{error} (for {sys.executable}); install python3-torch and python3-numpy"}, f)
    sys.exit(0)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import phantom_models as pm  # noqa: E402


def nchw(a):
    return torch.from_numpy(np.ascontiguousarray(a)).float().permute(0, 3, 1, 2).contiguous()


def nhwc(t):
    return t.detach().permute(0, 2, 3, 1).contiguous().numpy()


def part(arrays, prefix):
    return {k[len(prefix):]: torch.from_numpy(np.array(v)) for k, v in arrays.items() if k.startswith(prefix)}


def onehot(labels, classes):
    return F.one_hot(torch.from_numpy(np.array(labels)).long(), classes).float() if classes else None


def kind_has_label_dropout(cfg):
    return cfg["kind"] == "ddpm" and cfg["numClasses"] > 0 and (cfg.get("labelDropout") or 0) > 0


def run_case(case, arrays, out):
    name, cfg = case["name"], case["config"]
    classes = cfg["numClasses"]
    torch.manual_seed(0)
    metrics = []
    # Training: the weights at step 0, then `steps` steps on the given batches and draws.
    model = pm.build(cfg)
    model.load_studio(part(arrays, f"{name}/w0/"))
    for step in range(case["steps"]):
        real = nchw(arrays[f"{name}/real/{step}"])
        y = onehot(arrays[f"{name}/labels/{step}"], classes) if classes else None
        draws = part(arrays, f"{name}/draw/{step}/")
        if kind_has_label_dropout(cfg):
            # The mirror's own port of the studio's seeded mask (train.py uses it; here the fed one trains).
            out[f"{name}/labelKeep/{step}"] = model.label_keep(model.step_count, real.shape[0]).float().numpy()
        for key in ("noise",):  # image-shaped draws come NHWC
            if key in draws:
                draws[key] = draws[key].float().permute(0, 3, 1, 2).contiguous()
        metrics.append([v if math.isfinite(v) else None for v in model.train_step(real, y, draws).tolist()])
    for key, value in model.studio_tensors().items():
        out[f"{name}/trained/{key}"] = value.numpy()
    # Forward passes with the weights the tfjs model had after its steps.
    model = pm.build(cfg)
    model.load_studio(part(arrays, f"{name}/w/"))
    model.step_count = case["steps"]
    fwd = case["forward"]
    y = onehot(arrays[f"{name}/fwd/labels"], classes) if classes else None
    with torch.no_grad():
        if "z" in fwd:
            z = torch.from_numpy(np.array(arrays[f"{name}/fwd/z"])).float()
            guided = {"guidance": fwd["guidance"]} if fwd.get("guidance") else {}
            out[f"{name}/out/generate"] = nhwc(model.generate(z, y, ema=fwd.get("ema", False), **guided))
            if fwd.get("zCentred"):
                # The studio's own DDPM noise (each image's mean removed); see scripts/pytorch/parity.test.ts.
                zc = torch.from_numpy(np.array(arrays[f"{name}/fwd/zCentred"])).float()
                out[f"{name}/out/generateCentred"] = nhwc(model.generate(zc, y, ema=fwd.get("ema", False), **guided))
        x = nchw(arrays[f"{name}/fwd/x"])
        kind = cfg["kind"]
        if kind in ("dcgan", "wgan-gp"):
            out[f"{name}/out/critic"] = model.critic(x, y).numpy()
        elif kind == "pggan":
            level, resolution, _ = model.phase
            while x.shape[-1] > resolution:
                x = F.avg_pool2d(x, 2)
            out[f"{name}/out/critic"] = model.critic(x, y).numpy()
        elif kind == "vae":
            out[f"{name}/out/reconstruct"] = nhwc(model.reconstruct(x, y))
        elif kind == "ddpm":
            t = torch.from_numpy(np.array(arrays[f"{name}/fwd/t"])).long()
            out[f"{name}/out/noise"] = nhwc(model.predict_noise(x, t, y))
    return metrics


def main():
    job = sys.argv[1]
    with open(os.path.join(job, "job.json")) as f:
        spec = json.load(f)
    arrays = np.load(os.path.join(job, "in.npz"))
    arrays = {k: arrays[k] for k in arrays.files}
    out, report = {}, {"metrics": {}, "torch": torch.__version__}
    for case in spec["cases"]:
        report["metrics"][case["name"]] = run_case(case, arrays, out)
    np.savez(os.path.join(job, "out.npz"), **out)
    with open(os.path.join(job, "out.json"), "w") as f:
        json.dump(report, f)


if __name__ == "__main__":
    main()
