#!/usr/bin/env python3
"""Continue training a Phantom Studio run in PyTorch, on a CPU, one GPU, or many with torchrun.

    python train.py --run model.phantomrun --data data.npz --steps 2000 --out checkpoints
    torchrun --nnodes 1 --rdzv_backend c10d --rdzv_endpoint localhost:0 --nproc_per_node 4 train.py --run model.phantomrun --data data.npz --steps 2000 --out checkpoints

It starts from the run file's weights (and its Adam state, when the file carries it, so training
continues where the studio stopped), trains on the train split of a MedMNIST-layout npz
(train_images, train_labels, class_names; pixels 0-255) with the run's settings, and writes run files
the studio imports (Model library -> Import): checkpoints/<name>-step<N>.phantomrun, every
--checkpoint-every steps and at the end, with the run card updated (step, engine, devices, and the
segments saying which steps were trained where). The card keeps the studio run's id, so importing a
checkpoint into the studio it came from continues that run in place (or, on request, makes a new run).

A class-conditional DDPM trains with the studio's label dropout (the run's labelDropout, 0.1 for runs
the studio makes): the same images of a step lose their class as in the studio (its seeded draws),
which is what classifier-free guidance needs (Ddpm.generate(..., guidance=w) in phantom_models.py).

Under torchrun every process trains on its own share of the data (DistributedSampler) with the
run's batch size (a dataset with less than a batch per process is drawn from with replacement, as
the studio does), gradients are averaged by DistributedDataParallel (gloo on CPU, NCCL on GPUs), so
one step sees N x batch images; only rank 0 writes checkpoints. The models are phantom_models.py,
the studio's networks layer for layer (checked against the studio in its parity tests).
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, RandomSampler, TensorDataset

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import phantom_models as pm  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Continue training a Phantom Studio run in PyTorch (CPU, GPU, or torchrun).")
    p.add_argument("--run", required=True, help="the .phantomrun file exported by the studio (or a checkpoint written here)")
    p.add_argument("--data", required=True, help="MedMNIST-layout .npz of the run's dataset (train_images, train_labels, class_names)")
    p.add_argument("--steps", type=int, required=True, help="train until the run reaches this many steps in total")
    p.add_argument("--out", default="checkpoints", help="folder for the checkpoints (run files the studio imports)")
    p.add_argument("--checkpoint-every", type=int, default=500, help="steps between checkpoints (and one at the end)")
    p.add_argument("--log-every", type=int, default=25)
    p.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: cuda when available)")
    p.add_argument("--seed", type=int, default=None, help="seed of the data order and noise (default: the run's seed + its step)")
    return p.parse_args(argv)


def load_split(path: str, card: dict, cfg: dict):
    """Training images in [-1, 1] (NCHW) and labels (indices into the run's classes)."""
    import numpy as np

    arrays = np.load(path, allow_pickle=False)
    images = arrays["train_images"]
    if images.ndim == 3:
        images = images[..., None]
    n, h, w, c = images.shape
    if h != cfg["resolution"] or w != cfg["resolution"] or c != cfg["channels"]:
        raise SystemExit(f"{path}: images are {h}x{w}x{c}; this run trains on {cfg['resolution']}x{cfg['resolution']}x{cfg['channels']}")
    labels = arrays["train_labels"].reshape(-1).astype("int64") if "train_labels" in arrays.files else np.zeros(n, "int64")
    run_classes = pm.run_class_names(card)
    if cfg["numClasses"] and "class_names" in arrays.files and run_classes:
        names = [str(x) for x in arrays["class_names"]]
        if names != run_classes:
            raise SystemExit(f"{path}: classes {names} are not the run's {run_classes} (in that order)")
    x = torch.from_numpy(images.astype("float32") / 127.5 - 1).permute(0, 3, 1, 2).contiguous()  # models/core/pixels.ts
    return x, torch.from_numpy(labels)


def batch_loader(data: TensorDataset, batch: int, world: int, rank: int, seed: int):
    """Batches of the run's size for this process: (loader, its DistributedSampler or None, drawn).

    With at least one batch per process, each epoch visits every image once (DistributedSampler
    gives each process its own share). A small dataset (a rare class of 40 scans, batch 64) has less
    than that: the studio draws its batches with replacement (src/training/trainingData.ts), so a run
    it trained must continue here too. Each process then draws from all images with its own seeded
    generator (drawn=True); there are no epochs, and every process still runs the same steps.
    """
    if len(data) >= batch * world:
        sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=True, seed=seed, drop_last=True) if world > 1 else None
        loader = DataLoader(data, batch_size=batch, sampler=sampler, shuffle=sampler is None, drop_last=True,
                            generator=torch.Generator().manual_seed(seed) if sampler is None else None)
        return loader, sampler, False
    # Its own stream, apart from the noise (torch.manual_seed(seed + 1000 * rank) in main).
    draws = RandomSampler(data, replacement=True, num_samples=batch * 64, generator=torch.Generator().manual_seed(seed + 1000 * rank + 500))
    return DataLoader(data, batch_size=batch, sampler=draws, drop_last=True), None, True


def wrap_for_ddp(model: pm.StudioModel, device) -> None:
    """Each trained network behind DistributedDataParallel; train_step calls these wrappers for the
    forward passes that are differentiated, the plain modules for the rest (no unused-parameter waits)."""
    if isinstance(model, pm.Dcgan) and (model.cfg.get("r1Gamma") or 0) > 0:
        # R1 differentiates D twice (torch.autograd.grad with create_graph), which DistributedDataParallel does not support.
        raise SystemExit("this DCGAN trains with the R1 penalty (r1Gamma), which train.py does not support under torchrun yet; train it in one process")
    ids = [device.index] if device.type == "cuda" else None
    # PG-GAN's layers for resolutions not grown yet take no part in a step: DDP must not wait for them.
    unused = isinstance(model, pm.Progressive)
    wrap = lambda m: DDP(m, device_ids=ids, broadcast_buffers=False, find_unused_parameters=unused)
    if isinstance(model, pm.ConvGan) or isinstance(model, pm.Progressive):
        model.G_train, model.D_train = wrap(model.G), wrap(model.D)
    elif isinstance(model, pm.Vae):
        model.E_train, model.Dec_train = wrap(model.E), wrap(model.Dec)
    elif isinstance(model, pm.Ddpm):
        model.U_train = wrap(model.U)


def main(argv=None):
    args = parse_args(argv)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if args.device:
        device = torch.device(args.device)
    else:
        device = torch.device(f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda" and device.index is None:
        device = torch.device(f"cuda:{local_rank}")
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    say = (lambda *a: print(*a, flush=True)) if rank == 0 else (lambda *a: None)

    run = pm.read_run_file(args.run)
    card, cfg = run.card, run.config
    model = pm.build(cfg)
    model.load_studio(run.weights, run.optimizer, run.optimizer_steps)
    model.step_count = run.step
    model.shard = (rank, world)  # per-image draws the studio makes (DDPM label dropout) cover the global batch
    model.to(device)
    for label, (opt, _) in model._opts.items():  # Adam moments follow the parameters to the device
        for state in opt.state.values():
            for key, value in state.items():
                if torch.is_tensor(value) and key != "step":
                    state[key] = value.to(device)
    model.ema = {k: v.to(device) for k, v in model.ema.items()}
    if world > 1:
        wrap_for_ddp(model, device)

    images, labels = load_split(args.data, card, cfg)
    batch, classes = cfg["batchSize"], cfg["numClasses"]
    if len(images) == 0:
        raise SystemExit(f"{args.data}: holds no training images (train_images is empty)")
    seed = args.seed if args.seed is not None else cfg.get("seed", 1) + run.step
    torch.manual_seed(seed + 1000 * rank)  # different noise per process, like different images
    loader, sampler, drawn = batch_loader(TensorDataset(images, labels), batch, world, rank, seed)
    say(f"{card['run']['name']}: {cfg['kind']} at step {run.step}, training to {args.steps} on {device} "
        f"x {world} process{'es' if world > 1 else ''}, batch {batch} per process, {len(images)} training images")
    if drawn:
        say(f"{len(images)} training images give each process fewer than one batch of {batch}, so each process draws "
            f"its batches from all of them with replacement, as the studio does")
    if args.steps <= run.step:
        say(f"the run is already at step {run.step}; nothing to do (raise --steps)")
    os.makedirs(args.out, exist_ok=True)
    started, epoch, done = time.time(), 0, run.step
    # This job's identity in the run card's segments: its checkpoints share it, so the studio can
    # continue a run with a later checkpoint of the job it already imported an earlier one from.
    job_started = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(started)) + f".{int(started * 1000) % 1000:03d}Z"
    history = []  # rows like the studio's curves (MetricRow), kept in the checkpoints' run card
    names = pm.METRICS[cfg["kind"]]
    while done < args.steps:
        if sampler is not None:
            sampler.set_epoch(epoch)
        for x, y in loader:
            if done >= args.steps:
                break
            x = x.to(device, non_blocking=True)
            onehot = F.one_hot(y, classes).float().to(device) if classes else None
            metrics = model.train_step(x, onehot)
            done += 1
            if rank == 0 and (done % args.log_every == 0 or done == args.steps):
                values = metrics.tolist()
                history.append({"step": done, "time": int(time.time() * 1000),
                                "values": {n: v for n, v in zip(names, values) if math.isfinite(v)}})
                shown = " ".join(f"{n} {v:.4g}" for n, v in zip(names, values) if math.isfinite(v))
                say(f"step {done} {time.time() - started:.0f} s {shown}")
            if rank == 0 and (done % args.checkpoint_every == 0 or done == args.steps):
                path = save_checkpoint(args, model, run, done, world, device, time.time() - started, history, job_started)
                say(f"checkpoint {path}")
        epoch += 1
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


def save_checkpoint(args, model, run, step, world, device, seconds, history, job_started):
    """A run file the studio imports: weights, Adam state, the run card with this training recorded."""
    weights = model.studio_tensors()
    optimiser, steps = model.optimiser_tensors()
    engine = {"engine": f"PyTorch {torch.__version__}", "device": str(device), "processes": world,
              "batchPerProcess": model.cfg["batchSize"], "fromStep": run.step, "toStep": step, "seconds": round(seconds, 1), "started": job_started}
    card = pm.updated_card(run.card, step, engine, history)
    name = pm.safe_name(run.card["run"]["name"])
    path = os.path.join(args.out, f"{name}-step{step}.phantomrun")
    pm.write_run_file(path, card, weights, optimiser, steps)
    return path


if __name__ == "__main__":
    main()
