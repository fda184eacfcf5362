#!/usr/bin/env python3
"""PyTorch's time for single convolutions, to set beside the wasm loops of bench/hotKernels.node.ts.

    /usr/bin/python3 bench/torch_conv_ceiling.py --shapes JSON [--repeats 10] [--threads 1]

JSON is a list of {"name", "x": [N, H, W, Ci] (NHWC, as tfjs), "filter": [kh, kw, Ci, Co], "stride"}.
For each shape it times, on the CPU with `--threads` intra-op threads, the forward convolution and
its two gradients as autograd runs them (aten::convolution_backward with only the input or only the
weight gradient asked for), and prints one JSON object per shape: best-of-`repeats` ms of each, with
fresh random data per shape (the same data every repeat; PyTorch packs no weights between calls).

Layout is PyTorch's default NCHW, as in bench/pytorch_reference.py's models. Padding is symmetric
(k // 2): for the stride-2 3×3 convolution TF's 'same' pads 0 before and 1 after instead, which
gives the same output size and the same FLOPs.

Without torch it prints a `skipped` JSON line and exits with status 0 (as pytorch_reference.py).
"""
import argparse
import json
import sys
import time

try:
    import torch
except ImportError:
    print(json.dumps({"skipped": f"torch is not installed for {sys.executable}; try /usr/bin/python3"}))
    sys.exit(0)


def best_ms(run, repeats):
    run()  # warm-up: oneDNN picks and caches its primitive on the first call
    fastest = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest * 1e3


def time_shape(shape, repeats):
    n, h, w, ci = shape["x"]
    kh, kw, _, co = shape["filter"]
    stride = shape.get("stride", 1)
    padding = (kh // 2, kw // 2)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(n, ci, h, w, generator=gen)
    weight = torch.randn(co, ci, kh, kw, generator=gen)
    with torch.no_grad():
        y = torch.nn.functional.conv2d(x, weight, stride=stride, padding=padding)
        dy = torch.randn(y.shape, generator=gen)

        def backward(mask):
            return lambda: torch.ops.aten.convolution_backward(
                dy, x, weight, None, [stride, stride], list(padding), [1, 1], False, [0, 0], 1, mask)

        return {
            "name": shape["name"],
            "outShape": [y.shape[0], y.shape[2], y.shape[3], y.shape[1]],
            "forwardMs": best_ms(lambda: torch.nn.functional.conv2d(x, weight, stride=stride, padding=padding), repeats),
            "inputGradMs": best_ms(backward([True, False, False]), repeats),
            "filterGradMs": best_ms(backward([False, True, False]), repeats),
        }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shapes", required=True, help="JSON list of {name, x, filter, stride}")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                      "mkldnn": torch.backends.mkldnn.is_available()}), flush=True)
    for shape in json.loads(args.shapes):
        print(json.dumps(time_shape(shape, args.repeats)), flush=True)


if __name__ == "__main__":
    main()
