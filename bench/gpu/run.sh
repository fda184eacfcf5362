#!/usr/bin/env bash
# One prepared GPU benchmark: the bench's five studio models (DCGAN-28, DCGAN-64, cWGAN-GP-64, VAE-64,
# DDPM-32, batch 16) trained on tfjs WebGPU in Node (Dawn's binding, no browser) and then on PyTorch
# CUDA (python/phantom_models.py), back to back; prints the median step times and their ratio and
# writes bench/out/gpu-<time>.json. About 3–6 minutes; never more than 8 (a timeout stops it).
#
#   bash bench/gpu/run.sh [--steps 10] [--budget 30] [--models dcgan28,...] [--python python3]
#
# Needs no network. What it uses:
#   - this repository after `npm ci` (node_modules travels with it: tfjs, tsx, and the `webgpu`
#     package, whose prebuilt dist/linux-x64/dawn.node is Dawn for Node);
#   - Node.js >= 20 on PATH;
#   - an NVIDIA GPU with its driver, including the driver's Vulkan ICD
#     (/usr/share/vulkan/icd.d/nvidia_icd.json or /etc/vulkan/icd.d/nvidia_icd.json) and the
#     Vulkan loader libvulkan.so.1 (Debian/Ubuntu: libvulkan1), which Dawn uses;
#   - python3 (or --python) with a CUDA build of PyTorch (any 1.13+); numpy is not needed.
set -euo pipefail
cd "$(dirname "$0")/../.."

python=python3
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --python) python="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

fail() { echo "bench/gpu/run.sh: $*" >&2; exit 1; }
command -v node >/dev/null || fail "node is not on PATH (Node.js 20 or newer)"
[ -x node_modules/.bin/tsx ] && [ -d node_modules/webgpu ] || fail "node_modules is missing or lacks the webgpu package: run npm ci (with network) before copying the repository"
command -v nvidia-smi >/dev/null && nvidia-smi -L || echo "warning: nvidia-smi not found; trying anyway" >&2
ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1' || [ -n "${LD_LIBRARY_PATH:-}" ] || echo "warning: libvulkan.so.1 not in the linker cache (install libvulkan1); Dawn will find no adapter" >&2
"$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 3)' 2>/dev/null \
  || fail "$python has no CUDA PyTorch (torch.cuda.is_available() is false or torch is missing); pass --python /path/to/python"

# The five models on both sides: a step budget of 30 s per model after its first step keeps the whole
# run well under 8 minutes even when shader compilation is slow.
exec timeout 480 node_modules/.bin/tsx bench/gpu/run.ts --torch-device cuda --python "$python" "${args[@]}"
