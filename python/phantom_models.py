"""Phantom Studio's generative models in PyTorch: DCGAN, conditional WGAN-GP, PG-GAN, VAE and DDPM,
mirroring the studio's `models/` folder layer for layer, so that weights trained in the studio load
here and weights trained here load back into the studio.

One file with no dependency beyond torch, because it travels: the studio's PyTorch export copies it
next to `train.py`, and the studio's bench (`bench/pytorch_reference.py`) and parity tests import it
from `python/` in the repository.

    from phantom_models import build, read_safetensors
    tensors, _ = read_safetensors("weights.safetensors")
    model = build(config)                 # config: the run card's model config (a dict)
    model.load_studio(tensors)            # the studio's tensor names and layouts
    images = model.generate(z, onehot)    # NCHW in [-1, 1]

Conventions, and where they differ from PyTorch's habits:
- Tensors here are NCHW; the studio (tfjs) is NHWC. Where the studio flattens a feature map for a
  dense layer (the generator's first layer, the critic's last), the map is permuted to NHWC first,
  so a dense weight is simply the transpose of the studio's.
- Studio names ("G/up1/w") and layouts are translated by `studio_map()`: dense [in, out] -> Linear
  [out, in]; conv kernels HWIO -> OIHW; transposed-conv kernels [k, k, out, in] -> [in, out, k, k]
  (both are adjoints of the same convolution, so no flip is needed).
- tfjs 'same' padding: k4 s2 convolutions pad 1 on each side (nn.Conv2d padding=1), but a k3 s2
  convolution of an even map pads 0 before and 1 after, which is F.pad(x, (0, 1, 0, 1)).
- Batch norm is the studio's: batch statistics with the biased variance in training, running
  statistics (momentum 0.1, also from the biased variance) only in the generator and only for
  sampling; nn.BatchNorm2d would track the unbiased variance.
- Leaky ReLU 0.2 (the studio writes 0.6x + 0.4|x| so tfjs can differentiate it twice; same function).
- Adam is torch.optim.Adam; the studio's rewriting of the bias correction is the same update.
- Spectral normalisation as the studio's (one power iteration per step, persistent u 'sn/u/<name>').
- DiffAugment with the studio's own seeded draws (a port of models/core/random.ts), so the same
  (seed, step) augments exactly as in the studio.
"""
from __future__ import annotations

import json
import math
import os
import struct

import torch
import torch.nn.functional as F
from torch import nn

LABEL_EMBEDDING_DIM = 32  # models/nets/convNets.ts and models/progressive.ts
BN_EPSILON = 1e-5
BN_MOMENTUM = 0.1
KINDS = ("dcgan", "wgan-gp", "pggan", "vae", "ddpm")


# ----------------------------------------------------------------------------------------------
# safetensors: the run file's weight format (https://github.com/huggingface/safetensors). Eight
# bytes of little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}, then the
# raw little-endian data. Written here so train.py needs nothing but torch; the `safetensors`
# package reads the same files (safetensors.torch.load_file).
# ----------------------------------------------------------------------------------------------
_DTYPES = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32, "I64": torch.int64, "F16": torch.float16,
           "BF16": torch.bfloat16, "U8": torch.uint8, "I8": torch.int8, "I16": torch.int16, "BOOL": torch.bool}
_NAMES = {v: k for k, v in _DTYPES.items()}


def parse_safetensors(data: bytes, where: str = "safetensors") -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Tensors and the string metadata of a safetensors file's bytes."""
    if len(data) < 8:
        raise ValueError(f"{where}: too short to be a safetensors file")
    (length,) = struct.unpack("<Q", data[:8])
    if 8 + length > len(data):
        raise ValueError(f"{where}: header length {length} runs past the end of the file")
    header = json.loads(data[8:8 + length].decode("utf-8"))
    metadata = header.pop("__metadata__", {}) or {}
    body = memoryview(data)[8 + length:]
    tensors = {}
    for name, entry in header.items():
        dtype = _DTYPES.get(entry["dtype"])
        if dtype is None:
            raise ValueError(f"{where}: tensor {name!r} has dtype {entry['dtype']}, which this reader does not know")
        start, end = entry["data_offsets"]
        if end > len(body) or start > end:
            raise ValueError(f"{where}: tensor {name!r} lies outside the data")
        flat = torch.frombuffer(bytearray(body[start:end]), dtype=dtype) if end > start else torch.zeros(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"]).clone()
    return tensors, metadata


def read_safetensors(path: str) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    with open(path, "rb") as f:
        return parse_safetensors(f.read(), path)


def safetensors_bytes(tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> bytes:
    """A safetensors file: tensors in name order, each contiguous little-endian, offsets 8-aligned header."""
    header: dict = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    chunks, offset = [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu").contiguous()
        raw = t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.view(torch.int16).numpy().tobytes()
        header[name] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the format pads the header with spaces to 8 bytes
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def write_safetensors(path: str, tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> None:
    with open(path, "wb") as f:
        f.write(safetensors_bytes(tensors, metadata))


# ----------------------------------------------------------------------------------------------
# The studio's run file (.phantomrun, src/runfiles/runFileFormat.ts): a ZIP of manifest.json (SHA-256
# and size of every other part), runcard.json, weights.safetensors and optionally
# optimizer.safetensors (Adam's moments; its metadata "steps" holds the per-parameter update counts).
# ----------------------------------------------------------------------------------------------
RUN_FILE_FORMAT = "phantom-studio/run-file"


class RunFile:
    """A read run file: the run card, the model config, the checkpoint's step, and its tensors."""

    def __init__(self, card, weights, optimizer, optimizer_steps):
        self.card = card
        self.config = card["model"]["config"]
        self.step = int(card["checkpoint"]["step"])
        self.weights = weights
        self.optimizer = optimizer
        self.optimizer_steps = optimizer_steps


def read_run_file(path: str) -> RunFile:
    """Reads and verifies a .phantomrun (every part against the manifest's SHA-256)."""
    import hashlib
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path}: not a run file ({error})") from None
    with archive:
        names = set(archive.namelist())
        if "manifest.json" not in names:
            raise ValueError(f"{path}: no manifest.json; not a Phantom Studio run file")
        manifest = json.loads(archive.read("manifest.json"))
        if manifest.get("format") != RUN_FILE_FORMAT or manifest.get("version") != 1:
            raise ValueError(f"{path}: manifest says {manifest.get('format')} version {manifest.get('version')}; this reads {RUN_FILE_FORMAT} version 1")
        parts = {}
        for name, entry in manifest["parts"].items():
            if name not in names:
                raise ValueError(f"{path}: {name} is listed in the manifest but missing")
            data = archive.read(name)
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                raise ValueError(f"{path} > {name}: SHA-256 does not match the manifest (the file is damaged)")
            parts[name] = data
    card = json.loads(parts["runcard.json"])
    weights, _ = parse_safetensors(parts["weights.safetensors"], f"{path} > weights.safetensors")
    optimizer, steps = None, None
    if "optimizer.safetensors" in parts:
        optimizer, meta = parse_safetensors(parts["optimizer.safetensors"], f"{path} > optimizer.safetensors")
        steps = {k: int(v) for k, v in json.loads(meta.get("steps", "{}")).items()}
    return RunFile(card, weights, optimizer, steps)


def write_run_file(path: str, card: dict, weights: dict, optimizer: dict | None = None, steps: dict | None = None) -> None:
    """Writes a .phantomrun the studio imports: the parts, then the manifest with their SHA-256."""
    import hashlib
    import zipfile

    cfg, step = card["model"]["config"], card["checkpoint"]["step"]
    meta = {"format": "phantom-studio/weights", "kind": cfg["kind"], "step": str(step), "config": json.dumps(cfg)}
    parts = {"weights.safetensors": safetensors_bytes(weights, meta)}
    if optimizer is not None:
        opt_meta = {"format": "phantom-studio/optimizer", "kind": cfg["kind"], "step": str(step), "steps": json.dumps(steps or {})}
        parts["optimizer.safetensors"] = safetensors_bytes(optimizer, opt_meta)
    parts["runcard.json"] = json.dumps(card, indent=1).encode("utf-8")
    manifest = {"format": RUN_FILE_FORMAT, "version": 1, "createdAt": card["run"]["exportedAt"],
                "parts": {n: {"sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)} for n, b in parts.items()}}
    tmp = path + ".partial"
    with zipfile.ZipFile(tmp, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=1), compress_type=zipfile.ZIP_DEFLATED)
        for name, data in parts.items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED if name.endswith(".json") else zipfile.ZIP_STORED)
    os.replace(tmp, path)  # a checkpoint is never seen half-written


def run_class_names(card: dict) -> list:
    return list(card.get("training", {}).get("classNames") or [])


def updated_card(card: dict, step: int, engine: dict, history: list | None = None) -> dict:
    """The run card of a checkpoint trained here: its step and the training recorded; the studio's
    evaluation, audit and checkpoint quality described the old weights, so they are dropped."""
    import copy
    from datetime import datetime, timezone

    out = copy.deepcopy(card)
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    out["run"]["updatedAt"] = now
    out["run"]["exportedAt"] = now
    out["checkpoint"]["step"] = step
    out["checkpoint"]["which"] = "latest"
    out["checkpoint"]["hasOptimizer"] = True
    out["checkpoint"].pop("quality", None)
    settings = out["model"].get("settings") or {}
    if isinstance(settings.get("totalSteps"), int) and settings["totalSteps"] < step:
        settings["totalSteps"] = step
    training = out.setdefault("training", {})
    training["steps"] = step
    training["trainingSeconds"] = float(training.get("trainingSeconds", 0)) + float(engine.get("seconds", 0))
    training["backend"] = f"{engine['engine']} ({engine['device']} x {engine['processes']})"
    training.setdefault("history", [])
    training["history"] = list(training["history"]) + list(history or [])
    training.setdefault("pytorch", []).append(engine)
    # Which steps were trained where (src/training/trainingSegments.ts): the studio's path up to the
    # step this job started from, then this job. Cards from before segments existed start as studio.
    segments = [dict(s) for s in training.get("segments") or [] if s.get("fromStep", 0) < engine["fromStep"]]
    for s in segments:
        s["toStep"] = min(s["toStep"], engine["fromStep"])
    reached = segments[-1]["toStep"] if segments else 0
    if reached < engine["fromStep"]:
        segments.append({"where": "studio", "fromStep": reached, "toStep": engine["fromStep"], "engine": card.get("training", {}).get("backend", "studio")})
    segments.append({"where": "pytorch", "fromStep": engine["fromStep"], "toStep": step, "engine": engine["engine"], "device": engine["device"],
                     "processes": engine["processes"], "started": engine.get("started", ""), "seconds": engine.get("seconds", 0)})
    training["segments"] = segments
    out["evaluation"] = None
    out["audit"] = None
    out["augment"] = None
    return out


def safe_name(name: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9.-]+", "-", name).strip("-")[:60] or "run"


# ----------------------------------------------------------------------------------------------
# The studio's seeded randomness (models/core/random.ts, models/core/seeds.ts), bit for bit, so
# DiffAugment draws exactly the augmentations the studio would at the same (seed, step).
# ----------------------------------------------------------------------------------------------
_M32 = 0xFFFFFFFF


def _imul(a, b):
    return (a * b) & _M32


def derive_seed(seed: int, index: int) -> int:
    h = _imul((seed & _M32) ^ 0x27D4EB2F, 0x165667B1)
    h = _imul(h ^ (index & _M32), 0x9E3779B1)
    h ^= h >> 15
    h = _imul(h, 0x85EBCA77)
    h ^= h >> 13
    return h & _M32


def step_seed(seed: int, step: int, purpose: int) -> int:
    """models/core/seeds.ts stepSeed (tfSeed of the derived stream)."""
    return derive_seed(derive_seed(seed, step), purpose) % 0x7FFFFFFE + 1


SEED_PURPOSE = {"augmentReal": 4, "augmentFake": 5, "augmentGenerator": 6, "labelDropout": 10}


class StudioRandom:
    """models/core/random.ts Random: sfc32 seeded through splitmix32."""

    def __init__(self, seed: int):
        state = seed & _M32

        def mix():
            nonlocal state
            state = (state + 0x9E3779B9) & _M32
            z = state
            z = _imul(z ^ (z >> 16), 0x85EBCA6B)
            z = _imul(z ^ (z >> 13), 0xC2B2AE35)
            return (z ^ (z >> 16)) & _M32

        self.a, self.b, self.c, self.d = mix(), mix(), mix(), mix()
        for _ in range(12):
            self.next_uint32()

    def next_uint32(self) -> int:
        t = (self.a + self.b + self.d) & _M32
        self.d = (self.d + 1) & _M32
        self.a = self.b ^ (self.b >> 9)
        self.b = (self.c + ((self.c << 3) & _M32)) & _M32
        self.c = ((self.c << 21) & _M32) | (self.c >> 11)
        self.c = (self.c + t) & _M32
        return t

    def next(self) -> float:
        return self.next_uint32() / 4294967296

    def uniform(self, lo, hi):
        return lo + (hi - lo) * self.next()

    def int(self, n):
        return math.floor(self.next() * n)


def diff_augment(x, policy: dict, seed: int):
    """models/layers/diffAugment.ts (Zhao et al. 2020) on NCHW images, with the studio's draws for `seed`."""
    rng = StudioRandom(seed)
    n, c, h, w = x.shape
    per_sample = lambda lo, hi: torch.tensor([rng.uniform(lo, hi) for _ in range(n)], dtype=x.dtype, device=x.device).view(n, 1, 1, 1)
    y = x
    if policy.get("color"):
        y = y + per_sample(-0.5, 0.5)  # brightness
        saturation = per_sample(0, 2)  # drawn for grey images too, as the studio does
        if c > 1:
            mean = y.mean(1, keepdim=True)
            y = (y - mean) * saturation + mean
        mean = y.mean((1, 2, 3), keepdim=True)
        y = (y - mean) * per_sample(0.5, 1.5) + mean  # contrast
    if policy.get("translation"):
        def shifts(size):
            max_shift = math.floor(size * 0.125 + 0.5)
            m = torch.zeros(n, size, size, dtype=x.dtype)
            for b in range(n):
                t = rng.int(2 * max_shift + 1) - max_shift
                for i in range(size):
                    if 0 <= i + t < size:
                        m[b, i, i + t] = 1
            return m.to(x.device)
        sy, sx = shifts(h), shifts(w)
        y = torch.einsum("bik,bckw->bciw", sy, y)
        y = torch.einsum("bjk,bchk->bchj", sx, y)
    if policy.get("cutout"):
        size_y, size_x = math.floor(h * 0.5 + 0.5), math.floor(w * 0.5 + 0.5)
        mask = torch.ones(n, 1, h, w, dtype=x.dtype)
        for b in range(n):
            cy = rng.int(h + (1 - size_y % 2))
            cx = rng.int(w + (1 - size_x % 2))
            y0, y1 = max(0, cy - size_y // 2), min(h, cy - size_y // 2 + size_y)
            x0, x1 = max(0, cx - size_x // 2), min(w, cx - size_x // 2 + size_x)
            mask[b, :, y0:y1, x0:x1] = 0
        y = y * mask.to(x.device)
    return y


# ----------------------------------------------------------------------------------------------
# Layouts: studio (tfjs) <-> PyTorch
# ----------------------------------------------------------------------------------------------
def to_torch(layout: str, t: torch.Tensor) -> torch.Tensor:
    if layout == "dense":
        return t.t().contiguous()
    if layout in ("conv", "convT"):  # HWIO -> OIHW; [k, k, out, in] -> [in, out, k, k]
        return t.permute(3, 2, 0, 1).contiguous()
    return t.clone()


def to_studio(layout: str, t: torch.Tensor) -> torch.Tensor:
    if layout == "dense":
        return t.t().contiguous()
    if layout in ("conv", "convT"):
        return t.permute(2, 3, 1, 0).contiguous()
    return t.clone()


def pyramid(resolution: int) -> tuple[int, int]:
    """models/nets/pyramid.ts pyramidOf: first map side (4 or 7) and number of 2x steps."""
    start = 7 if resolution % 7 == 0 else 4
    steps = math.log2(resolution / start)
    if not steps.is_integer() or steps < 1 or resolution > 256:
        raise ValueError(f"resolution {resolution} is not one the convolution stack can build; use 28, 32, 64, 128 or 256")
    return start, int(steps)


def leaky(x):
    return F.leaky_relu(x, 0.2)


def nhwc_flat(h):
    """Flattens a feature map in the studio's NHWC order, so dense weights need only a transpose."""
    return h.permute(0, 2, 3, 1).flatten(1)


def same_pad(x, kernel: int, stride: int):
    """tfjs 'same' padding (pad before = floor(total / 2)), for the cases nn.Conv2d's padding cannot express."""
    size = x.shape[-1]
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return F.pad(x, (total // 2, total - total // 2, total // 2, total - total // 2))


def conv_same(x, conv: nn.Conv2d):
    k, s = conv.kernel_size[0], conv.stride[0]
    return conv(same_pad(x, k, s))


class StudioBatchNorm(nn.Module):
    """models/layers/basic.ts batch norm: batch moments (biased variance), eps 1e-5; running statistics
    for sampling only, updated with momentum 0.1 from the biased variance ('train-track')."""

    def __init__(self, channels: int, running: bool = True):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))
        if running:
            self.register_buffer("running_mean", torch.zeros(channels))
            self.register_buffer("running_var", torch.ones(channels))

    def forward(self, x, mode: str = "train"):
        shape = (1, -1, 1, 1)
        if mode == "eval":
            mean, var = self.running_mean, self.running_var
        else:
            mean = x.mean((0, 2, 3))
            var = (x - mean.view(shape)).square().mean((0, 2, 3))
            if mode == "train-track":
                with torch.no_grad():
                    self.running_mean.mul_(1 - BN_MOMENTUM).add_(mean.detach() * BN_MOMENTUM)
                    self.running_var.mul_(1 - BN_MOMENTUM).add_(var.detach() * BN_MOMENTUM)
        return (x - mean.view(shape)) * torch.rsqrt(var.view(shape) + BN_EPSILON) * self.gamma.view(shape) + self.beta.view(shape)


class SelfAttention(nn.Module):
    """models/layers/selfAttention.ts: SAGAN block with 2x2 average-pooled keys and values."""

    def __init__(self, channels: int):
        super().__init__()
        ck, cv = max(1, channels // 8), max(1, channels // 2)
        self.f, self.g = nn.Parameter(torch.randn(channels, ck) * 0.02), nn.Parameter(torch.randn(channels, ck) * 0.02)
        self.h, self.o = nn.Parameter(torch.randn(channels, cv) * 0.02), nn.Parameter(torch.randn(cv, channels) * 0.02)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x, w=lambda key, param: param):
        n, c, hh, ww = x.shape
        f, g, h, o = (w(k, getattr(self, k)) for k in ("f", "g", "h", "o"))
        flat = x.permute(0, 2, 3, 1).reshape(n, hh * ww, c)
        pooled = F.avg_pool2d(x, 2).permute(0, 2, 3, 1).reshape(n, hh * ww // 4, c)
        attention = torch.softmax((flat @ f) @ (pooled @ g).transpose(1, 2), dim=-1)
        out = (attention @ (pooled @ h)) @ o  # [n, positions, c]
        return x + out.reshape(n, hh, ww, c).permute(0, 3, 1, 2) * self.gamma

    def studio_map(self, prefix):
        return [(f"{prefix}/{k}", getattr(self, k), "same") for k in ("f", "g", "h", "o", "gamma")]


# ----------------------------------------------------------------------------------------------
# DCGAN family: models/nets/convNets.ts (Generator, Discriminator), models/vae.ts (Encoder)
# ----------------------------------------------------------------------------------------------
class Generator(nn.Module):
    """dense -> BN/ReLU -> (convT k4 s2, BN, ReLU)* -> convT k4 s2 + bias -> tanh; optional label embedding."""

    def __init__(self, cfg: dict, prefix: str = "G"):
        super().__init__()
        self.prefix = prefix
        self.start, self.levels = pyramid(cfg["resolution"])
        width, self.classes = cfg["width"], cfg["numClasses"]
        self.ch = [width * 2 ** (self.levels - 1 - level) for level in range(self.levels)]
        in_dim = cfg["latentDim"] + (LABEL_EMBEDDING_DIM if self.classes else 0)
        if self.classes:
            self.embed = nn.Parameter(torch.randn(self.classes, LABEL_EMBEDDING_DIM))
        self.dense = nn.Linear(in_dim, self.start * self.start * self.ch[0], bias=False)
        self.bn0 = StudioBatchNorm(self.ch[0])
        self.ups = nn.ModuleList([nn.ConvTranspose2d(self.ch[i - 1], self.ch[i], 4, 2, 1, bias=False) for i in range(1, self.levels)])
        self.bns = nn.ModuleList([StudioBatchNorm(self.ch[i]) for i in range(1, self.levels)])
        self.out = nn.ConvTranspose2d(self.ch[-1], cfg["channels"], 4, 2, 1, bias=True)
        attn = cfg.get("attentionResolution")
        self.attn_level = next((i for i in range(self.levels) if self.start * 2 ** i == attn), -1) if attn else -1
        if attn and self.attn_level < 0:
            raise ValueError(f"no generator feature map of side {attn} for attention")
        self.attn = SelfAttention(self.ch[self.attn_level]) if self.attn_level >= 0 else None

    def forward(self, z, onehot=None, mode: str = "eval"):
        if self.classes:
            z = torch.cat([z, onehot @ self.embed], 1)
        h = self.dense(z).view(-1, self.start, self.start, self.ch[0]).permute(0, 3, 1, 2)  # studio: NHWC reshape
        h = F.relu(self.bn0(h, mode))
        h = self.attn(h) if self.attn_level == 0 else h
        for i, (up, bn) in enumerate(zip(self.ups, self.bns), start=1):
            h = F.relu(bn(up(h), mode))
            h = self.attn(h) if self.attn_level == i else h
        return torch.tanh(self.out(h))

    def studio_map(self):
        p, out = self.prefix, []
        if self.classes:
            out.append((f"{p}/embed", self.embed, "same"))
        out.append((f"{p}/in/w", self.dense.weight, "dense"))
        out += bn_map(f"{p}/in/bn", self.bn0)
        for i, (up, bn) in enumerate(zip(self.ups, self.bns), start=1):
            out.append((f"{p}/up{i}/w", up.weight, "convT"))
            out += bn_map(f"{p}/up{i}/bn", bn)
        if self.attn is not None:
            out += self.attn.studio_map(f"{p}/attn")
        out += [(f"{p}/out/w", self.out.weight, "convT"), (f"{p}/out/b", self.out.bias, "same")]
        return out


def bn_map(name, bn: StudioBatchNorm):
    out = [(f"{name}/gamma", bn.gamma, "same"), (f"{name}/beta", bn.beta, "same")]
    if hasattr(bn, "running_mean"):
        out += [(f"{name}/mean", bn.running_mean, "same"), (f"{name}/var", bn.running_var, "same")]
    return out


class Discriminator(nn.Module):
    """(conv k4 s2 [+ BN batch statistics], leaky)* -> dense, plus the projection head <embed(y), phi(x)>."""

    def __init__(self, cfg: dict, batch_norm: bool, prefix: str = "D"):
        super().__init__()
        self.prefix = prefix
        self.start, self.levels = pyramid(cfg["resolution"])
        width, self.classes = cfg["width"], cfg["numClasses"]
        self.batch_norm = batch_norm
        chans = [cfg["channels"]] + [width * 2 ** j for j in range(self.levels)]
        self.convs = nn.ModuleList([nn.Conv2d(chans[j], chans[j + 1], 4, 2, 1, bias=not self.has_bn(j)) for j in range(self.levels)])
        self.bns = nn.ModuleDict({str(j): StudioBatchNorm(chans[j + 1], running=False) for j in range(self.levels) if self.has_bn(j)})
        self.feature_dim = self.start * self.start * chans[-1]
        self.out = nn.Linear(self.feature_dim, 1)
        if self.classes:
            self.embed = nn.Parameter(torch.randn(self.classes, self.feature_dim) * 0.02)
        attn = cfg.get("attentionResolution")
        top = self.start * 2 ** self.levels
        self.attn_level = next((j for j in range(self.levels) if top // 2 ** (j + 1) == attn), -1) if attn else -1
        if attn and self.attn_level < 0:
            raise ValueError(f"no discriminator feature map of side {attn} for attention")
        self.attn = SelfAttention(chans[self.attn_level + 1]) if self.attn_level >= 0 else None
        self.sn_vectors = None  # studio name -> (u, v) while spectral normalisation is on

    def has_bn(self, level):
        return self.batch_norm and level > 0

    def matrix_map(self):
        """[(studio name, parameter, layout)] of the weight matrices spectral normalisation applies to (models/nets/convNets.ts matrixNames)."""
        return [(n, t, layout) for n, t, layout in self.studio_map() if layout in ("conv", "dense") or n.endswith("/embed")
                or n.split("/")[-1] in ("f", "g", "h", "o")]

    def weight(self, name, param, layout):
        """The weight a forward pass uses: W / sigma(W) under spectral normalisation (sigma from this step's vectors), else W."""
        vectors = self.sn_vectors.get(name) if self.sn_vectors else None
        return param if vectors is None else param / spectral_sigma(param, layout, *vectors)

    def forward(self, x, onehot=None):
        p, h = self.prefix, x
        for j, conv in enumerate(self.convs):
            h = F.conv2d(h, self.weight(f"{p}/down{j}/w", conv.weight, "conv"), conv.bias, 2, 1)
            if self.has_bn(j):
                h = self.bns[str(j)](h, "train")
            h = leaky(h)
            if self.attn_level == j:
                h = self.attn(h, lambda k, t: self.weight(f"{p}/attn/{k}", t, "same"))
        phi = nhwc_flat(h)
        out = F.linear(phi, self.weight(f"{p}/out/w", self.out.weight, "dense"), self.out.bias).view(-1)
        if self.classes:
            out = out + ((onehot @ self.weight(f"{p}/embed", self.embed, "same")) * phi).sum(1)
        return out

    def studio_map(self):
        p, out = self.prefix, []
        for j, conv in enumerate(self.convs):
            out.append((f"{p}/down{j}/w", conv.weight, "conv"))
            if self.has_bn(j):
                out += bn_map(f"{p}/down{j}/bn", self.bns[str(j)])
            else:
                out.append((f"{p}/down{j}/b", conv.bias, "same"))
            if j == self.attn_level:
                out += self.attn.studio_map(f"{p}/attn")
        out += [(f"{p}/out/w", self.out.weight, "dense"), (f"{p}/out/b", self.out.bias, "same")]
        if self.classes:
            out.append((f"{p}/embed", self.embed, "same"))
        return out


class Encoder(nn.Module):
    """models/vae.ts Encoder: (conv k4 s2 + bias, leaky)* -> dense head to (mu, logVar); labels appended one-hot."""

    def __init__(self, cfg: dict):
        super().__init__()
        self.start, self.levels = pyramid(cfg["resolution"])
        width = cfg["width"]
        chans = [cfg["channels"]] + [width * 2 ** j for j in range(self.levels)]
        self.convs = nn.ModuleList([nn.Conv2d(chans[j], chans[j + 1], 4, 2, 1) for j in range(self.levels)])
        self.head = nn.Linear(self.start * self.start * chans[-1] + cfg["numClasses"], 2 * cfg["latentDim"])

    def forward(self, x, onehot=None):
        h = x
        for conv in self.convs:
            h = leaky(conv(h))
        phi = nhwc_flat(h)
        if onehot is not None:
            phi = torch.cat([phi, onehot], 1)
        mu, log_var = self.head(phi).chunk(2, dim=1)
        return mu, log_var

    def studio_map(self):
        out = []
        for j, conv in enumerate(self.convs):
            out += [(f"E/down{j}/w", conv.weight, "conv"), (f"E/down{j}/b", conv.bias, "same")]
        return out + [("E/head/w", self.head.weight, "dense"), ("E/head/b", self.head.bias, "same")]


# ----------------------------------------------------------------------------------------------
# DDPM: models/ddpm.ts and models/nets/unet.ts
# ----------------------------------------------------------------------------------------------
def alpha_bars(schedule: str, timesteps: int) -> torch.Tensor:
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


def timestep_features(t: torch.Tensor, dim: int) -> torch.Tensor:
    """models/nets/unet.ts timestepFeatures: [sin(t f_k), cos(t f_k)], f_k = 10000^(-k/half); float64 like JS, then float32."""
    half = dim // 2
    freqs = torch.exp(-math.log(10_000) * torch.arange(half, dtype=torch.float64) / half)
    angles = t.to(torch.float64)[:, None] * freqs[None, :]
    return torch.cat([angles.sin(), angles.cos()], 1).float()


def silu(x):
    return x * torch.sigmoid(x)


class ResBlock(nn.Module):
    """GN -> SiLU -> conv3, + time, GN -> SiLU -> conv3, + (1x1) skip."""

    def __init__(self, cin, cout, time_dim):
        super().__init__()
        self.norm1 = nn.GroupNorm(math.gcd(cin, 8), cin, eps=1e-5)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.time = nn.Linear(time_dim, cout)
        self.norm2 = nn.GroupNorm(math.gcd(cout, 8), cout, eps=1e-5)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, emb):
        h = self.conv1(silu(self.norm1(x)))
        h = h + self.time(emb)[:, :, None, None]
        h = self.conv2(silu(self.norm2(h)))
        return h + (self.skip(x) if self.skip is not None else x)

    def studio_map(self, name):
        out = [(f"{name}/norm1/gamma", self.norm1.weight, "same"), (f"{name}/norm1/beta", self.norm1.bias, "same"),
               (f"{name}/conv1/w", self.conv1.weight, "conv"), (f"{name}/conv1/b", self.conv1.bias, "same"),
               (f"{name}/time/w", self.time.weight, "dense"), (f"{name}/time/b", self.time.bias, "same"),
               (f"{name}/norm2/gamma", self.norm2.weight, "same"), (f"{name}/norm2/beta", self.norm2.bias, "same"),
               (f"{name}/conv2/w", self.conv2.weight, "conv"), (f"{name}/conv2/b", self.conv2.bias, "same")]
        if self.skip is not None:
            out += [(f"{name}/skip/w", self.skip.weight, "conv"), (f"{name}/skip/b", self.skip.bias, "same")]
        return out


class UNet(nn.Module):
    """One residual block per level; stride-2 conv down ('same': pad 0 before, 1 after), nearest 2x + conv up, skips."""

    def __init__(self, cfg: dict):
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
        self.pool = nn.ModuleList([nn.Conv2d(ch[i], ch[i], 3, 2, 0) for i in range(levels - 1)])
        self.mid = ResBlock(ch[-1], ch[-1], time_dim)
        self.up = nn.ModuleList([ResBlock(2 * ch[i], ch[i], time_dim) for i in range(levels)])
        self.upsample = nn.ModuleList([nn.Conv2d(ch[i], ch[i - 1], 3, 1, 1) for i in range(1, levels)])
        self.out_norm = nn.GroupNorm(math.gcd(ch[0], 8), ch[0], eps=1e-5)
        self.out = nn.Conv2d(ch[0], cfg["channels"], 3, 1, 1)

    def forward(self, x, t, onehot=None):
        emb = self.fc2(silu(self.fc1(timestep_features(t, self.feature_dim).to(x.device))))
        if self.classes:
            emb = emb + onehot @ self.class_embed
        emb = silu(emb)
        h = self.inp(x)
        skips = []
        for i, block in enumerate(self.down):
            h = block(h, emb)
            skips.append(h)
            if i < len(self.pool):
                h = conv_same(h, self.pool[i])
        h = self.mid(h, emb)
        for i in reversed(range(len(self.up))):
            h = self.up[i](torch.cat([h, skips[i]], 1), emb)
            if i > 0:
                h = self.upsample[i - 1](F.interpolate(h, scale_factor=2, mode="nearest"))
        return self.out(silu(self.out_norm(h)))

    def studio_map(self):
        out = [("U/time/fc1/w", self.fc1.weight, "dense"), ("U/time/fc1/b", self.fc1.bias, "same"),
               ("U/time/fc2/w", self.fc2.weight, "dense"), ("U/time/fc2/b", self.fc2.bias, "same")]
        if self.classes:
            out.append(("U/class/embed", self.class_embed, "same"))
        out += [("U/in/w", self.inp.weight, "conv"), ("U/in/b", self.inp.bias, "same")]
        for i, block in enumerate(self.down):
            out += block.studio_map(f"U/down{i}")
            if i < len(self.pool):
                out += [(f"U/down{i}/pool/w", self.pool[i].weight, "conv"), (f"U/down{i}/pool/b", self.pool[i].bias, "same")]
        out += self.mid.studio_map("U/mid")
        for i in reversed(range(len(self.up))):
            out += self.up[i].studio_map(f"U/up{i}")
            if i > 0:
                out += [(f"U/up{i}/upsample/w", self.upsample[i - 1].weight, "conv"), (f"U/up{i}/upsample/b", self.upsample[i - 1].bias, "same")]
        out += [("U/out/norm/gamma", self.out_norm.weight, "same"), ("U/out/norm/beta", self.out_norm.bias, "same"),
                ("U/out/w", self.out.weight, "conv"), ("U/out/b", self.out.bias, "same")]
        return out


# ----------------------------------------------------------------------------------------------
# PG-GAN: models/progressive.ts (equalised learning rate, pixel norm, minibatch stddev)
# ----------------------------------------------------------------------------------------------
def progressive_schedule(cfg: dict, step: int) -> tuple[int, int, float]:
    """models/progressive.ts progressiveSchedule: (level, resolution, alpha) of a training step."""
    max_level = int(round(math.log2(cfg["resolution"] / cfg["startResolution"])))
    s = step - cfg["stableSteps"]
    if s < 0 or max_level == 0:
        return 0, cfg["startResolution"], 1.0
    level = 1
    while True:
        resolution = cfg["startResolution"] * 2 ** level
        if s < cfg["fadeSteps"]:
            return level, resolution, (s + 1) / cfg["fadeSteps"]
        s -= cfg["fadeSteps"]
        if s < cfg["stableSteps"] or level == max_level:
            return level, resolution, 1.0
        s -= cfg["stableSteps"]
        level += 1


class Equalised(nn.Module):
    """A weight stored N(0, 1) and scaled by gain / sqrt(fanIn) when used (Karras et al. 2018), with its bias."""

    def __init__(self, shape_studio, fan_in, gain=math.sqrt(2), bias_size=None, conv=True):
        super().__init__()
        self.conv = conv
        shape = [shape_studio[3], shape_studio[2], shape_studio[0], shape_studio[1]] if conv else [shape_studio[1], shape_studio[0]]
        self.weight = nn.Parameter(torch.randn(shape))
        self.bias = nn.Parameter(torch.zeros(bias_size if bias_size is not None else shape_studio[-1]))
        self.scale = gain / math.sqrt(fan_in)

    def forward(self, x):
        if self.conv:
            return conv_same(x, _ConvFn(self.weight * self.scale, self.bias))
        return F.linear(x, self.weight * self.scale, self.bias)

    def studio_map(self, name):
        return [(f"{name}/w", self.weight, "conv" if self.conv else "dense"), (f"{name}/b", self.bias, "same")]


class _ConvFn:
    """A stride-1 convolution with given tensors, shaped like nn.Conv2d for conv_same."""

    def __init__(self, weight, bias):
        self.weight, self.bias = weight, bias
        self.kernel_size, self.stride = (weight.shape[-1],), (1,)

    def __call__(self, x):
        return F.conv2d(x, self.weight, self.bias)


def pixel_norm(x):
    return x * torch.rsqrt(x.square().mean(1, keepdim=True) + 1e-8)


def minibatch_stddev(x, group_size=4):
    n, c, h, w = x.shape
    group = min(group_size, n)
    while n % group:
        group -= 1
    m = n // group
    grouped = x.reshape(group, m, c * h * w)  # sample i = g*m + j belongs to group j
    std = (grouped - grouped.mean(0, keepdim=True)).square().mean(0).add(1e-8).sqrt().mean(1)  # [m]
    feature = std.repeat(group).view(n, 1, 1, 1).expand(n, 1, h, w)
    return torch.cat([x, feature], 1)


class ProgressiveGenerator(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.max_level = int(round(math.log2(cfg["resolution"] / cfg["startResolution"])))
        s0, classes, channels = cfg["startResolution"], cfg["numClasses"], cfg["channels"]
        fm = lambda k: fmaps(cfg, k)
        in_dim = cfg["latentDim"] + (LABEL_EMBEDDING_DIM if classes else 0)
        if classes:
            self.embed = nn.Parameter(torch.randn(classes, LABEL_EMBEDDING_DIM))
        self.base_dense = Equalised([in_dim, s0 * s0 * fm(0)], in_dim, bias_size=fm(0), conv=False)
        self.base_conv = Equalised([3, 3, fm(0), fm(0)], 9 * fm(0))
        self.blocks = nn.ModuleList([nn.ModuleList([Equalised([3, 3, fm(k - 1), fm(k)], 9 * fm(k - 1)), Equalised([3, 3, fm(k), fm(k)], 9 * fm(k))])
                                     for k in range(1, self.max_level + 1)])
        self.rgb = nn.ModuleList([Equalised([1, 1, fm(k), channels], fm(k), gain=1) for k in range(self.max_level + 1)])

    def forward(self, z, onehot, level, alpha):
        act = lambda x: pixel_norm(leaky(x))
        s0 = self.cfg["startResolution"]
        if self.cfg["numClasses"]:
            z = torch.cat([z, onehot @ self.embed], 1)
        x = pixel_norm(z)
        h = F.linear(x, self.base_dense.weight * self.base_dense.scale).view(-1, s0, s0, fmaps(self.cfg, 0)) + self.base_dense.bias
        h = act(h.permute(0, 3, 1, 2))
        h = act(self.base_conv(h))
        previous = h
        for k in range(1, level + 1):
            previous = h
            h = act(self.blocks[k - 1][0](F.interpolate(previous, scale_factor=2, mode="nearest")))
            h = act(self.blocks[k - 1][1](h))
        img = self.rgb[level](h)
        if level == 0 or alpha >= 1:
            return img
        low = F.interpolate(self.rgb[level - 1](previous), scale_factor=2, mode="nearest")
        return low + (img - low) * alpha

    def studio_map(self):
        out = [("G/embed", self.embed, "same")] if self.cfg["numClasses"] else []
        out += self.base_dense.studio_map("G/base/dense") + self.base_conv.studio_map("G/base/conv")
        for k in range(self.max_level + 1):
            if k > 0:
                out += self.blocks[k - 1][0].studio_map(f"G/b{k}/conv0") + self.blocks[k - 1][1].studio_map(f"G/b{k}/conv1")
            out += self.rgb[k].studio_map(f"G/rgb{k}")
        return out


def fmaps(cfg, level):
    r = cfg["startResolution"] * 2 ** level
    return max(1, min(cfg["fmapMax"], cfg["fmapBase"] // r))


class ProgressiveDiscriminator(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.max_level = int(round(math.log2(cfg["resolution"] / cfg["startResolution"])))
        s0, channels, classes = cfg["startResolution"], cfg["channels"], cfg["numClasses"]
        fm = lambda k: fmaps(cfg, k)
        self.rgb = nn.ModuleList([Equalised([1, 1, channels, fm(k)], channels) for k in range(self.max_level + 1)])
        self.blocks = nn.ModuleList([nn.ModuleList([Equalised([3, 3, fm(k), fm(k)], 9 * fm(k)), Equalised([3, 3, fm(k), fm(k - 1)], 9 * fm(k))])
                                     for k in range(1, self.max_level + 1)])
        c0 = fm(0)
        self.final_conv = Equalised([3, 3, c0 + 1, c0], 9 * (c0 + 1))
        self.final_dense = Equalised([s0 * s0 * c0, c0], s0 * s0 * c0, conv=False)
        self.final_out = Equalised([c0, 1], c0, gain=1, conv=False)
        if classes:
            self.embed = nn.Parameter(torch.randn(classes, c0))
            self.embed_scale = 1 / math.sqrt(c0)

    def forward(self, x, onehot, level, alpha):
        from_rgb = lambda img, k: leaky(self.rgb[k](img))

        def block(h, k):
            a = leaky(self.blocks[k - 1][0](h))
            return F.avg_pool2d(leaky(self.blocks[k - 1][1](a)), 2)

        h = from_rgb(x, level)
        if level > 0:
            h = block(h, level)
            if alpha < 1:
                low = from_rgb(F.avg_pool2d(x, 2), level - 1)
                h = low + (h - low) * alpha
            for k in range(level - 1, 0, -1):
                h = block(h, k)
        h = leaky(self.final_conv(minibatch_stddev(h)))
        features = leaky(self.final_dense(nhwc_flat(h)))
        out = self.final_out(features).view(-1)
        if self.cfg["numClasses"]:
            out = out + ((onehot @ (self.embed * self.embed_scale)) * features).sum(1)
        return out

    def studio_map(self):
        out = []
        for k in range(self.max_level + 1):
            out += self.rgb[k].studio_map(f"D/rgb{k}")
            if k > 0:
                out += self.blocks[k - 1][0].studio_map(f"D/b{k}/conv0") + self.blocks[k - 1][1].studio_map(f"D/b{k}/conv1")
        out += self.final_conv.studio_map("D/final/conv") + self.final_dense.studio_map("D/final/dense") + self.final_out.studio_map("D/final/out")
        if self.cfg["numClasses"]:
            out.append(("D/embed", self.embed, "same"))
        return out


# ----------------------------------------------------------------------------------------------
# Whole models: networks, optimisers, EMA and one training step each, as the studio's trainStep
# ----------------------------------------------------------------------------------------------
METRICS = {
    "dcgan": ["lossD", "lossG", "dReal", "dFake", "gradNormD", "gradNormG"],
    "wgan-gp": ["lossD", "lossG", "gp", "wasserstein", "dReal", "dFake", "inputGradNorm", "gradNormD", "gradNormG", "gUpdated"],
    "pggan": ["lossD", "lossG", "gp", "wasserstein", "dReal", "dFake", "gradNormD", "gradNormG", "resolution", "alpha"],
    "vae": ["loss", "recon", "kl", "mse", "gradNorm"],
    "ddpm": ["loss", "gradNorm"],
}


def global_norm(params):
    grads = [p.grad.square().sum() for p in params if p.grad is not None]
    return torch.sqrt(sum(grads)) if grads else torch.tensor(float("nan"))


def check_supported(cfg: dict) -> None:
    """Raises ValueError naming each option of the config this module does not mirror."""
    if cfg.get("kind") not in KINDS:
        raise ValueError(f"unknown model kind {cfg.get('kind')!r}; known: {', '.join(KINDS)}")
    missing = []
    if cfg.get("spectralNorm") and cfg.get("kind") not in ("dcgan", "wgan-gp"):
        missing.append("spectral normalisation")
    if missing:
        raise ValueError(f"this {cfg['kind']} run uses {' and '.join(missing)}, which the PyTorch mirror does not implement yet")


class StudioModel(nn.Module):
    """Common part: named networks, Adam per network, optional EMA shadows of the sampled network."""

    kind = ""

    def __init__(self, cfg: dict):
        super().__init__()
        check_supported(cfg)
        self.cfg = dict(cfg)
        self.step_count = 0
        self.ema_names: list[str] = []  # studio names of the parameters that have an EMA shadow
        self.ema: dict[str, torch.Tensor] = {}
        # (rank, world size) under torchrun: which share of a step's global batch this process
        # trains, for the draws that the studio makes per image from (seed, step) (label dropout).
        self.shard = (0, 1)

    def _apply(self, fn, *args, **kwargs):
        """model.to(device) / .double() also move the EMA shadows, which are plain tensors, not buffers."""
        out = super()._apply(fn, *args, **kwargs)
        self.ema = {name: fn(shadow) for name, shadow in self.ema.items()}
        return out

    # --- the studio's names ---
    def studio_map(self):
        """[(studio name, tensor here, layout)] for every weight and running statistic."""
        raise NotImplementedError

    def optimisers(self) -> dict[str, tuple[torch.optim.Optimizer, list]]:
        """Studio optimiser label ('adamG', 'adamD', 'adam') -> (optimiser, [(studio name, parameter)])."""
        raise NotImplementedError

    def make_optimisers(self, groups: dict[str, list[str]]):
        a = self.cfg["adam"]
        by_name = {name: t for name, t, _ in self.studio_map()}
        self._opts = {}
        for label, names in groups.items():
            params = [by_name[n] for n in names]
            # A DCGAN's D may learn at a multiple of G's rate (models/types.ts: discriminatorLearningRateScale).
            scale = (self.cfg.get("discriminatorLearningRateScale") or 1) if label == "adamD" and self.cfg["kind"] == "dcgan" else 1
            opt = torch.optim.Adam(params, lr=a["learningRate"] * scale, betas=(a["beta1"], a["beta2"]), eps=a["epsilon"])
            self._opts[label] = (opt, list(zip(names, params)))
        if self.cfg.get("emaDecay") is not None:
            self.ema = {n: by_name[n].detach().clone() for n in self.ema_names}

    def optimiser(self, label):
        return self._opts[label][0]

    def update_ema(self, t: int):
        """models/layers/ema.ts: decay min(d, (1 + t) / (10 + t))."""
        if not self.ema:
            return
        d = min(self.cfg["emaDecay"], (1 + t) / (10 + t))
        by_name = {name: t for name, t, _ in self.studio_map()}
        with torch.no_grad():
            for name, shadow in self.ema.items():
                shadow.mul_(d).add_(by_name[name].detach(), alpha=1 - d)

    def load_studio(self, tensors: dict[str, torch.Tensor], optimiser: dict[str, torch.Tensor] | None = None,
                    steps: dict[str, int] | None = None, strict: bool = True) -> None:
        """Loads the studio's tensors (weights, BN running statistics, EMA shadows 'ema/<name>') and,
        when given, its Adam slots ('adamG/m/<name>', 'adamG/v/<name>') with their step counts
        ('adamG/t/<name>')."""
        entries = self.studio_map()
        known = {n for n, _, _ in entries} | {f"ema/{n}" for n in self.ema_names if self.ema}
        missing = [n for n in known if n not in tensors]
        extra = [n for n in tensors if n not in known and not n.startswith("adam")]
        if strict and (missing or extra):
            raise ValueError(f"weights do not match this {self.kind}: missing {missing[:5]}, unexpected {extra[:5]}")
        with torch.no_grad():
            for name, target, layout in entries:
                if name not in tensors:
                    continue
                value = to_torch(layout, tensors[name].float())
                if tuple(value.shape) != tuple(target.shape):
                    raise ValueError(f"tensor {name!r}: shape {list(tensors[name].shape)} does not fit this config")
                target.copy_(value)
            layouts = {n: layout for n, _, layout in entries}
            for name in list(self.ema):
                if f"ema/{name}" in tensors:
                    self.ema[name] = to_torch(layouts[name], tensors[f"ema/{name}"].float())
        if optimiser:
            for label, (opt, named) in self._opts.items():
                for name, param in named:
                    m, v = optimiser.get(f"{label}/m/{name}"), optimiser.get(f"{label}/v/{name}")
                    t = (steps or {}).get(f"{label}/t/{name}", 0)
                    if m is None or v is None or t == 0:
                        continue  # never updated: Adam starts it fresh, as the studio would
                    opt.state[param] = {"step": torch.tensor(float(t)), "exp_avg": to_torch(layouts[name], m.float()),
                                        "exp_avg_sq": to_torch(layouts[name], v.float())}

    def studio_tensors(self) -> dict[str, torch.Tensor]:
        """Weights, running statistics and EMA shadows under the studio's names and layouts."""
        out = {name: to_studio(layout, t.detach().cpu().float()) for name, t, layout in self.studio_map()}
        layouts = {n: layout for n, _, layout in self.studio_map()}
        for name, shadow in self.ema.items():
            out[f"ema/{name}"] = to_studio(layouts[name], shadow.detach().cpu().float())
        return out

    def optimiser_tensors(self) -> tuple[dict[str, torch.Tensor], dict[str, int]]:
        """Adam slots under the studio's names ('adamG/m/<name>') and their step counts ('adamG/t/<name>')."""
        layouts = {n: layout for n, _, layout in self.studio_map()}
        tensors, steps = {}, {}
        for label, (opt, named) in self._opts.items():
            for name, param in named:
                state = opt.state.get(param, {})
                zero = torch.zeros_like(param.detach().cpu())
                tensors[f"{label}/m/{name}"] = to_studio(layouts[name], state.get("exp_avg", zero).detach().cpu().float())
                tensors[f"{label}/v/{name}"] = to_studio(layouts[name], state.get("exp_avg_sq", zero).detach().cpu().float())
                steps[f"{label}/t/{name}"] = int(float(state["step"])) if "step" in state else 0
        return tensors, steps

    def augment(self, x, step, purpose):
        """DiffAugment of what D sees (models/convGan.ts augment), or x when the run has none."""
        policy = self.cfg.get("diffAugment")
        return diff_augment(x, policy, step_seed(self.cfg["seed"], step, SEED_PURPOSE[purpose])) if policy else x

    def draw(self, draws, key, shape, uniform=False, device=None):
        """This step's random tensor: given (the parity tests pass the studio's draws) or drawn here."""
        if draws is not None and key in draws:
            return draws[key].to(device)
        return torch.rand(shape, device=device) if uniform else torch.randn(shape, device=device)


def _studio_matrix(param, layout):
    """The studio's matrix view of a weight (models/layers/spectralNorm.ts asMatrix): [fanIn, out]."""
    t = to_studio(layout, param) if layout in ("conv", "dense") else param
    return t.reshape(-1, t.shape[-1])


def _normalise(x):
    return x / (x.norm() + 1e-12)


def spectral_sigma(param, layout, u, v):
    """sigma = v^T W u with the step's (constant) vectors; its gradient flows through W only, as in the paper."""
    return (v.t() @ (_studio_matrix(param, layout) @ u)).reshape(())


class ConvGan(StudioModel):
    def __init__(self, cfg, batch_norm_d):
        super().__init__(cfg)
        self.G = Generator(cfg, "G")
        self.D = Discriminator(cfg, batch_norm_d, "D")
        g_names = [n for n, t, _ in self.G.studio_map() if isinstance(t, nn.Parameter)]
        d_names = [n for n, t, _ in self.D.studio_map() if isinstance(t, nn.Parameter)]
        self.ema_names = g_names
        # Spectral normalisation (models/layers/spectralNorm.ts): one persistent u per D matrix, "sn/u/<name>".
        self.sn_names = [n for n, _, _ in self.D.matrix_map()] if cfg.get("spectralNorm") else []
        for i, (name, param, layout) in enumerate(self.D.matrix_map() if self.sn_names else []):
            self.register_buffer(f"sn_u_{i}", torch.randn(_studio_matrix(param.detach(), layout).shape[1], 1))
        self.make_optimisers({"adamG": g_names, "adamD": d_names})
        # DistributedDataParallel wrappers (train.py sets them); the plain modules otherwise.
        self.G_train, self.D_train = self.G, self.D

    def studio_map(self):
        out = self.G.studio_map() + self.D.studio_map()
        return out + [(f"sn/u/{n}", getattr(self, f"sn_u_{i}"), "same") for i, n in enumerate(self.sn_names)]

    def spectral_vectors(self, iterate: bool):
        """(u, v) per D matrix. iterate: one power iteration that stores the new u (once per training step,
        as ConvGan.discriminatorWeights); else the stored u (SpectralNorm.current, for scoring)."""
        if not self.sn_names:
            return None
        out = {}
        with torch.no_grad():
            for i, (name, param, layout) in enumerate(self.D.matrix_map()):
                buffer = getattr(self, f"sn_u_{i}")
                w = _studio_matrix(param, layout)
                v = _normalise(w @ buffer)
                if iterate:
                    buffer.copy_(_normalise(w.t() @ v))
                out[name] = (buffer.clone(), v)
        return out

    def critic(self, x, onehot=None):
        """D's output with the stored spectral-norm vectors (no power iteration)."""
        self.D.sn_vectors = self.spectral_vectors(False)
        with torch.no_grad():
            return self.D(x, onehot)

    def generate(self, z, onehot=None, ema=None):
        use_ema = bool(self.ema) if ema is None else ema
        with torch.no_grad(), swapped(self, self.ema if use_ema else {}):
            return self.G(z, onehot, "eval")


class swapped:
    """Temporarily puts EMA shadows in place of the weights (for sampling), restoring them after."""

    def __init__(self, model, shadows):
        self.model, self.shadows, self.saved = model, shadows, {}

    def __enter__(self):
        by_name = {n: t for n, t, _ in self.model.studio_map()}
        for name, shadow in self.shadows.items():
            self.saved[name] = by_name[name].detach().clone()
            by_name[name].data.copy_(shadow)

    def __exit__(self, *exc):
        by_name = {n: t for n, t, _ in self.model.studio_map()}
        for name, value in self.saved.items():
            by_name[name].data.copy_(value)


class Dcgan(ConvGan):
    """models/dcgan.ts: one D update on real + fake (G without gradients), then one G update on the same latents."""

    kind = "dcgan"

    def __init__(self, cfg):
        super().__init__(cfg, cfg["discriminatorBatchNorm"])

    def train_step(self, real, onehot=None, draws=None):
        batch, dev = real.shape[0], real.device
        z = self.draw(draws, "latent", (batch, self.cfg["latentDim"]), device=dev)
        d_opt, g_opt = self.optimiser("adamD"), self.optimiser("adamG")
        self.D.sn_vectors = self.spectral_vectors(True)
        step = self.step_count
        with torch.no_grad():
            fake = self.G(z, onehot, "train-track")
        real_seen, fake_seen = self.augment(real, step, "augmentReal"), self.augment(fake, step, "augmentFake")
        d_opt.zero_grad(set_to_none=True)
        r1_gamma = self.cfg.get("r1Gamma") or 0
        if r1_gamma > 0:
            real_seen = real_seen.detach().requires_grad_(True)
        real_logits, fake_logits = self.D_train(real_seen, onehot), self.D_train(fake_seen, onehot)
        loss_d = (bce_with_logits(real_logits, 1 - self.cfg["labelSmoothing"]) + bce_with_logits(fake_logits, 0))
        if r1_gamma > 0:
            # R1 (models/layers/gradientPenalty.ts r1Penalty): gamma/2 * mean ||grad_x D(x)||^2 on the reals;
            # the reported lossD stays the BCE alone.
            grad, = torch.autograd.grad(real_logits.sum(), real_seen, create_graph=True)
            (loss_d + r1_gamma / 2 * grad.square().sum((1, 2, 3)).mean()).backward()
        else:
            loss_d.backward()
        norm_d = global_norm(self.D.parameters())
        d_opt.step()
        g_opt.zero_grad(set_to_none=True)
        self.D.requires_grad_(False)
        logits = self.D(self.augment(self.G_train(z, onehot, "train"), step, "augmentGenerator"), onehot)
        loss_g = bce_with_logits(logits, 1)
        loss_g.backward()
        self.D.requires_grad_(True)
        norm_g = global_norm(self.G.parameters())
        g_opt.step()
        self.update_ema(self.step_count)
        self.step_count += 1
        with torch.no_grad():
            return torch.stack([loss_d, loss_g, torch.sigmoid(real_logits).mean(), torch.sigmoid(fake_logits).mean(), norm_d, norm_g]).detach()


def bce_with_logits(logits, target: float):
    """The studio's softplus(l) - l * target, averaged."""
    return (F.softplus(logits) - logits * target).mean()


def gradient_penalty(critic, real, fake, eps):
    """models/layers/gradientPenalty.ts: mean((||grad critic(x_hat)|| - 1)^2) on x_hat = fake + (real - fake) * eps."""
    xhat = (fake + (real - fake) * eps).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(xhat).sum(), xhat, create_graph=True)
    norms = torch.sqrt(grad.square().sum([1, 2, 3]) + 1e-12)
    return (norms - 1).square().mean(), norms


class WganGp(ConvGan):
    """models/wgangp.ts: one critic update with the gradient penalty; every nCritic-th step also a G update on fresh latents."""

    kind = "wgan-gp"

    def __init__(self, cfg):
        super().__init__(cfg, False)

    def train_step(self, real, onehot=None, draws=None):
        batch, dev, latent = real.shape[0], real.device, self.cfg["latentDim"]
        step = self.step_count
        update_g = (step + 1) % self.cfg["nCritic"] == 0
        d_opt, g_opt = self.optimiser("adamD"), self.optimiser("adamG")
        self.D.sn_vectors = self.spectral_vectors(True)
        with torch.no_grad():
            fake = self.G(self.draw(draws, "latent", (batch, latent), device=dev), onehot, "train-track")
        real_seen, fake_seen = self.augment(real, step, "augmentReal"), self.augment(fake, step, "augmentFake")
        d_opt.zero_grad(set_to_none=True)
        critic = lambda x: self.D_train(x, onehot)
        d_real, d_fake = critic(real_seen).mean(), critic(fake_seen).mean()
        eps = self.draw(draws, "interpolation", (batch, 1, 1, 1), uniform=True, device=dev)
        gp, norms = gradient_penalty(critic, real_seen, fake_seen, eps)
        wasserstein = d_real - d_fake
        loss_d = -wasserstein + self.cfg["gpWeight"] * gp
        loss_d.backward()
        norm_d = global_norm(self.D.parameters())
        d_opt.step()
        loss_g, norm_g = -d_fake.detach(), torch.tensor(float("nan"), device=dev)
        if update_g:
            g_opt.zero_grad(set_to_none=True)
            self.D.requires_grad_(False)
            fresh = self.G_train(self.draw(draws, "generatorLatent", (batch, latent), device=dev), onehot, "train")
            loss_g = -self.D(self.augment(fresh, step, "augmentGenerator"), onehot).mean()
            loss_g.backward()
            self.D.requires_grad_(True)
            norm_g = global_norm(self.G.parameters())
            g_opt.step()
            self.update_ema(step // self.cfg["nCritic"])
        self.step_count += 1
        with torch.no_grad():
            return torch.stack([loss_d, loss_g, gp, wasserstein, d_real, d_fake, norms.mean(), norm_d, norm_g,
                                torch.tensor(1.0 if update_g else 0.0, device=dev)]).detach()


class Vae(StudioModel):
    """models/vae.ts: encoder + DCGAN-generator decoder, loss = per-image SSE + beta * KL."""

    kind = "vae"

    def __init__(self, cfg):
        super().__init__(cfg)
        self.E = Encoder(cfg)
        self.Dec = Generator(cfg, "Dec")
        names = [n for n, t, _ in self.studio_map() if isinstance(t, nn.Parameter)]
        self.make_optimisers({"adam": names})
        self.E_train, self.Dec_train = self.E, self.Dec

    def studio_map(self):
        return self.E.studio_map() + self.Dec.studio_map()

    def train_step(self, real, onehot=None, draws=None):
        opt = self.optimiser("adam")
        opt.zero_grad(set_to_none=True)
        mu, log_var = self.E_train(real, onehot)
        noise = self.draw(draws, "reparameterisation", mu.shape, device=real.device)
        recon = self.Dec_train(mu + torch.exp(0.5 * log_var) * noise, onehot, "train-track")
        sse = (real - recon).square().sum([1, 2, 3]).mean()
        kl = -0.5 * (1 + log_var - mu.square() - log_var.exp()).sum(1).mean()
        loss = sse + self.cfg["beta"] * kl
        loss.backward()
        norm = global_norm(self.parameters())
        opt.step()
        self.step_count += 1
        pixels = real[0].numel()
        with torch.no_grad():
            return torch.stack([loss, sse, kl, sse / pixels, norm]).detach()

    def generate(self, z, onehot=None, ema=None):
        with torch.no_grad():
            return self.Dec(z, onehot, "eval")

    def reconstruct(self, x, onehot=None):
        with torch.no_grad():
            return self.Dec(self.E(x, onehot)[0], onehot, "eval")


class Ddpm(StudioModel):
    """models/ddpm.ts: the U-Net predicts the noise at uniform random timesteps (MSE), then the EMA update."""

    kind = "ddpm"

    def __init__(self, cfg):
        super().__init__(cfg)
        self.U = UNet(cfg)
        names = [n for n, _, _ in self.studio_map()]
        self.ema_names = names
        self.make_optimisers({"adam": names})
        self.alpha_bar = alpha_bars(cfg["betaSchedule"], cfg["timesteps"])
        self.U_train = self.U

    def studio_map(self):
        return self.U.studio_map()

    def predict_noise(self, x, t, onehot=None):
        return self.U(x, t, onehot)

    def label_keep(self, step: int, n: int) -> torch.Tensor:
        """models/ddpm.ts dropLabels: 1 keeps an image's class, 0 drops it to the null class (an all-zero
        one-hot row) with probability labelDropout, from the studio's seeded draws for (seed, step), so
        the same step drops the same images as in the studio. Under torchrun the draws cover the global
        batch (world x n) and each process takes its own slice; one process is exactly the studio."""
        p = self.cfg.get("labelDropout") or 0
        rank, world = self.shard
        rng = StudioRandom(step_seed(self.cfg["seed"], step, SEED_PURPOSE["labelDropout"]))
        draws = [rng.next() for _ in range(world * n)][rank * n:(rank + 1) * n]
        return torch.tensor([0.0 if u < p else 1.0 for u in draws])

    def train_step(self, real, onehot=None, draws=None):
        batch, dev = real.shape[0], real.device
        t = draws["timesteps"].long() if draws is not None and "timesteps" in draws else torch.randint(self.cfg["timesteps"], (batch,))
        noise = self.draw(draws, "noise", real.shape, device=dev)
        a = self.alpha_bar[t.cpu()]
        noisy = real * a.sqrt().float().view(-1, 1, 1, 1).to(dev) + noise * (1 - a).sqrt().float().view(-1, 1, 1, 1).to(dev)
        if onehot is not None and (self.cfg.get("labelDropout") or 0) > 0:
            # Label dropout (classifier-free guidance training); the parity tests pass the studio's mask.
            keep = draws["labelKeep"] if draws is not None and "labelKeep" in draws else self.label_keep(self.step_count, batch)
            onehot = onehot * keep.float().view(-1, 1).to(onehot.device)
        opt = self.optimiser("adam")
        opt.zero_grad(set_to_none=True)
        loss = (self.U_train(noisy, t.to(dev), onehot) - noise).square().mean()
        loss.backward()
        norm = global_norm(self.U.parameters())
        opt.step()
        self.update_ema(self.step_count)
        self.step_count += 1
        return torch.stack([loss.detach(), norm])

    def generate(self, z, onehot=None, ema=None, steps=None, guidance: float = 0.0):
        """Deterministic DDIM (eta = 0) from the starting noise z [n, r*r*c] (the studio's generate).
        Draw z as the studio does, with each image's mean removed per channel (models/ddpm.ts,
        centredNoise: a positive mean made DDIM's first pass clip to a white frame), e.g.
        z = torch.randn(n, r, r, c); z = (z - z.mean(dim=(1, 2), keepdim=True)).reshape(n, -1).
        guidance w (class-conditional runs trained with label dropout): classifier-free guidance,
        eps = (1 + w) eps(x, c) - w eps(x, null), the null class being an all-zero one-hot row;
        0 is the conditional sample, -1 the unconditional one."""
        if guidance != 0:
            if onehot is None:
                raise ValueError("a guidance scale needs class labels (a class-conditional model)")
            if not (self.cfg.get("labelDropout") or 0) > 0:
                raise ValueError("this model was trained without label dropout, so it has no unconditional estimate to guide with")
            if not (math.isfinite(guidance) and guidance >= -1):
                raise ValueError(f"the guidance scale must be >= -1, got {guidance}")
        use_ema = bool(self.ema) if ema is None else ema
        c, r = self.cfg["channels"], self.cfg["resolution"]
        T = self.cfg["timesteps"]
        n_steps = steps or self.cfg["samplingSteps"]
        path = [math.floor(-1 + (i * T) / n_steps + 0.5) for i in range(n_steps, -1, -1)]  # JS Math.round, not banker's
        x = z.view(-1, r, r, c).permute(0, 3, 1, 2)  # the studio's latent is the NHWC noise image, flattened
        none = torch.zeros_like(onehot) if onehot is not None and guidance != 0 else None

        def estimate(x, t):
            times = torch.full((x.shape[0],), t)
            if guidance == 0:
                return self.U(x, times, onehot)
            if guidance == -1:
                return self.U(x, times, none)
            return self.U(x, times, onehot) * (1 + guidance) - self.U(x, times, none) * guidance

        with torch.no_grad(), swapped(self, self.ema if use_ema else {}):
            for t, nxt in zip(path[:-1], path[1:]):
                a = float(self.alpha_bar[t])
                eps = estimate(x, t)
                x0 = ((x - eps * math.sqrt(1 - a)) / math.sqrt(a)).clamp(-1, 1)
                if nxt < 0:
                    x = x0
                    break
                eps = (x - x0 * math.sqrt(a)) / math.sqrt(1 - a)
                b = float(self.alpha_bar[nxt])
                x = x0 * math.sqrt(b) + eps * math.sqrt(1 - b)
        return x


class Progressive(StudioModel):
    """models/progressive.ts: WGAN-GP loss with drift, one D and one G update per step, growing by the schedule."""

    kind = "pggan"

    def __init__(self, cfg):
        super().__init__(cfg)
        self.G = ProgressiveGenerator(cfg)
        self.D = ProgressiveDiscriminator(cfg)
        g_names = [n for n, _, _ in self.G.studio_map()]
        d_names = [n for n, _, _ in self.D.studio_map()]
        self.ema_names = g_names
        self.make_optimisers({"adamG": g_names, "adamD": d_names})
        self.G_train, self.D_train = self.G, self.D

    def studio_map(self):
        return self.G.studio_map() + self.D.studio_map()

    @property
    def phase(self):
        """Phase of the most recent training step: what generate() renders."""
        return progressive_schedule(self.cfg, max(0, self.step_count - 1))

    def real_at(self, real, level, resolution, alpha):
        x = real
        while x.shape[-1] > resolution:
            x = F.avg_pool2d(x, 2)
        if level == 0 or alpha >= 1:
            return x
        low = F.interpolate(F.avg_pool2d(x, 2), scale_factor=2, mode="nearest")
        return low + (x - low) * alpha

    def train_step(self, real, onehot=None, draws=None):
        batch, dev, latent = real.shape[0], real.device, self.cfg["latentDim"]
        step = self.step_count
        level, resolution, alpha = progressive_schedule(self.cfg, step)
        d_opt, g_opt = self.optimiser("adamD"), self.optimiser("adamG")
        real_seen = self.augment(self.real_at(real, level, resolution, alpha), step, "augmentReal")
        with torch.no_grad():
            fake = self.G(self.draw(draws, "latent", (batch, latent), device=dev), onehot, level, alpha)
        fake_seen = self.augment(fake, step, "augmentFake")
        critic = lambda x: self.D_train(x, onehot, level, alpha)
        d_opt.zero_grad(set_to_none=True)
        real_scores = critic(real_seen)
        d_real, d_fake = real_scores.mean(), critic(fake_seen).mean()
        eps = self.draw(draws, "interpolation", (batch, 1, 1, 1), uniform=True, device=dev)
        gp, _ = gradient_penalty(critic, real_seen, fake_seen, eps)
        wasserstein = d_real - d_fake
        loss_d = -wasserstein + self.cfg["gpWeight"] * gp + real_scores.square().mean() * self.cfg["driftWeight"]
        loss_d.backward()
        norm_d = global_norm(self.D.parameters())
        d_opt.step()
        g_opt.zero_grad(set_to_none=True)
        self.D.requires_grad_(False)
        fresh = self.G_train(self.draw(draws, "generatorLatent", (batch, latent), device=dev), onehot, level, alpha)
        loss_g = -self.D(self.augment(fresh, step, "augmentGenerator"), onehot, level, alpha).mean()
        loss_g.backward()
        self.D.requires_grad_(True)
        norm_g = global_norm(self.G.parameters())
        g_opt.step()
        self.update_ema(step)
        self.step_count += 1
        with torch.no_grad():
            return torch.stack([loss_d, loss_g, gp, wasserstein, d_real, d_fake, norm_d, norm_g,
                                torch.tensor(float(resolution), device=dev), torch.tensor(float(alpha), device=dev)]).detach()

    def generate(self, z, onehot=None, ema=None):
        use_ema = bool(self.ema) if ema is None else ema
        level, _, alpha = self.phase
        with torch.no_grad(), swapped(self, self.ema if use_ema else {}):
            img = self.G(z, onehot, level, alpha)
        while img.shape[-1] < self.cfg["resolution"]:
            img = F.interpolate(img, scale_factor=2, mode="nearest")
        return img.clamp(-1, 1)

    def critic(self, x, onehot=None):
        level, _, alpha = self.phase
        return self.D(x, onehot, level, alpha)


def build(cfg: dict) -> StudioModel:
    """The PyTorch mirror of a studio model config (the run card's `model`, as models/config.ts resolves it)."""
    check_supported(cfg)
    return {"dcgan": Dcgan, "wgan-gp": WganGp, "pggan": Progressive, "vae": Vae, "ddpm": Ddpm}[cfg["kind"]](cfg)
