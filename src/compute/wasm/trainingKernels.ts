/**
 * Makes tfjs-backend-wasm (4.22) able to train the studio's conv nets, and fast.
 *
 * Stock wasm lacks Conv2DBackpropFilter (so no conv net trains at all), and its
 * Conv2DBackpropInput (conv2dTranspose forward and every conv's input gradient) is a scalar
 * C++ loop. Both are replaced here by compositions of wasm's own XNNPACK Conv2D and its
 * transposes (see the modules for the algebra). UnsortedSegmentSum (gather's gradient) is added
 * as a one-hot matMul so embedding lookups can train too. Three stock kernels give wrong
 * answers and are replaced or wrapped: MaxPoolGrad (all-negative windows), ResizeNearestNeighborGrad
 * (downsampling with half-pixel centres) and OneHot with a float dtype. ./fastPaths wraps five stock kernels (BatchMatMul, Identity, Cast, Sum, Mean)
 * whose generic paths dominated a training step, ./sliceFromHeap Slice and SplitV (which copied
 * their whole input per piece), ./concatSplitRows Concat along inner axes (a JS copy per row), and ./conv2dDirect FusedConv2D and Conv2D (direct SIMD loops where
 * the channels and width allow, XNNPACK else). ./groupNormSiluKernel adds the fused GroupNorm + SiLU
 * of models/kernels that diffusion sampling uses, ./interleavePhasesKernel the gather of its
 * sub-pixel upsampling convolutions.
 *
 * Call once after importing '@tensorflow/tfjs-backend-wasm' and before training; calling again
 * is harmless. Works whether or not 'wasm' is the active backend yet.
 */
// Side-effect import: the stock wasm kernels must be registered before they can be wrapped.
import '@tensorflow/tfjs-backend-wasm';
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { conv2dBackpropFilterWasmConfig } from './conv2dBackpropFilter';
import { conv2dBackpropInputWasmConfig } from './conv2dBackpropInput';
import {
  batchMatMulOverride, castOverride, identityOverride, meanOverride, overrideConfig, sumOverride,
} from './fastPaths';
import type { WasmKernelOverride } from './fastPaths';
import { oneHotOverride } from './oneHotFloat';
import { sliceOverride, splitVOverride } from './sliceFromHeap';
import { concatOverride } from './concatSplitRows';
import { conv2dOverride, fusedConv2dOverride } from './conv2dDirect';
import { maxPoolGradWasmConfig } from './maxPoolGrad';
import { resizeNearestNeighborGradWasmConfig } from './resizeNearestNeighborGrad';
import { unsortedSegmentSumWasmConfig } from './unsortedSegmentSum';
import { groupNormSiluWasmConfig } from './groupNormSiluKernel';
import { interleavePhasesWasmConfig } from './interleavePhasesKernel';
import { adamUpdateWasmConfig } from './adamUpdateKernel';
import { batchNormActGradWasmConfig, batchNormActWasmConfig } from './batchNormActKernel';
import { groupNormSiluGradWasmConfig, groupNormSiluTrainWasmConfig } from './groupNormSiluGradKernel';
import { emaUpdateWasmConfig } from './emaUpdateKernel';
import { sumOfSquaresWasmConfig } from './sumOfSquaresKernel';
import { WASM_BACKEND } from './wasmKernelScope';

/** Kernels implemented here from scratch (replacing the stock one where it exists). */
export const WASM_TRAINING_KERNELS: readonly KernelConfig[] = [
  conv2dBackpropFilterWasmConfig,
  conv2dBackpropInputWasmConfig,
  unsortedSegmentSumWasmConfig,
  resizeNearestNeighborGradWasmConfig,
  maxPoolGradWasmConfig,
  groupNormSiluWasmConfig,
  interleavePhasesWasmConfig,
];

/**
 * Kernels that fuse several training ops into one (models/kernels: Adam's update, batch norm with
 * its activation and that pair's gradient, GroupNorm + SiLU with its statistics and their gradient,
 * the EMA of the weights, the sum of squares behind the reported gradient norm). models/ composes the ops where they are absent, so
 * setWasmTrainingFusions can take them out to measure or to compare against.
 */
export const WASM_TRAINING_FUSIONS: readonly KernelConfig[] = [
  adamUpdateWasmConfig,
  batchNormActWasmConfig,
  batchNormActGradWasmConfig,
  groupNormSiluTrainWasmConfig,
  groupNormSiluGradWasmConfig,
  emaUpdateWasmConfig,
  sumOfSquaresWasmConfig,
];

/** Stock kernels wrapped for speed (./fastPaths) or to fix a wrong result (./oneHotFloat). */
export const WASM_KERNEL_OVERRIDES: readonly WasmKernelOverride[] = [
  identityOverride, castOverride, batchMatMulOverride, sumOverride, meanOverride, oneHotOverride,
  sliceOverride, splitVOverride, concatOverride, fusedConv2dOverride, conv2dOverride,
];

/** Names of every kernel registerWasmTrainingKernels installs or wraps. */
export const WASM_TRAINING_KERNEL_NAMES: readonly string[] = [
  ...WASM_TRAINING_KERNELS.map((k) => k.kernelName),
  ...WASM_TRAINING_FUSIONS.map((k) => k.kernelName),
  ...WASM_KERNEL_OVERRIDES.map((k) => k.kernelName),
];

/** Kernel functions installed by this module, to recognise them on a repeated call. */
const installed = new Map<string, KernelFunc>();

function install(config: KernelConfig): void {
  if (getKernel(config.kernelName, WASM_BACKEND) !== undefined) unregisterKernel(config.kernelName, WASM_BACKEND);
  registerKernel(config);
  installed.set(config.kernelName, config.kernelFunc);
}

function isInstalled(kernelName: string): boolean {
  const current = getKernel(kernelName, WASM_BACKEND);
  return current !== undefined && installed.get(kernelName) === current.kernelFunc;
}

/**
 * Installs WASM_TRAINING_KERNELS and the fast paths of ./fastPaths on the wasm backend.
 * Idempotent; works before or after tf.setBackend('wasm').
 */
export function registerWasmTrainingKernels(): void {
  for (const config of [...WASM_TRAINING_KERNELS, ...WASM_TRAINING_FUSIONS]) {
    if (!isInstalled(config.kernelName)) install(config);
  }
  for (const override of WASM_KERNEL_OVERRIDES) {
    if (isInstalled(override.kernelName)) continue;
    const stock = getKernel(override.kernelName, WASM_BACKEND);
    if (stock === undefined) {
      throw new Error(`src/compute/wasm/trainingKernels.ts: stock wasm kernel '${override.kernelName}' is missing`);
    }
    install(overrideConfig(override, stock));
  }
}

/**
 * Registers (true) or removes (false) the fused training kernels of WASM_TRAINING_FUSIONS, or
 * registers only those named; for same-process A/B measurements (bench/fusionAB.node.ts) and
 * equivalence tests. Models pick the fused or the composed path at each call, so this takes
 * effect at the next step.
 */
export function setWasmTrainingFusions(enabled: boolean | readonly string[]): void {
  for (const config of WASM_TRAINING_FUSIONS) {
    const on = typeof enabled === 'boolean' ? enabled : enabled.includes(config.kernelName);
    if (on && !isInstalled(config.kernelName)) install(config);
    if (!on && getKernel(config.kernelName, WASM_BACKEND) !== undefined) {
      unregisterKernel(config.kernelName, WASM_BACKEND);
      installed.delete(config.kernelName);
    }
  }
}
