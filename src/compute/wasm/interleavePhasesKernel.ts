/**
 * The phase gather of models/kernels/upsampleConv.ts on the wasm backend: its loop runs in JS
 * straight on the wasm heap (no copies), one call in place of upsample2x's two broadcasts and the
 * concatenation that follows the upsampling convolution.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { INTERLEAVE_PHASES, interleavePhasesInto } from '../../../models/kernels/upsampleConv';
import { requireInput, WASM_BACKEND } from './wasmKernelScope';

const interleavePhases: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args as unknown as { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: NamedAttrMap };
  const phases = requireInput(inputs, 'phases', INTERLEAVE_PHASES);
  const skip = inputs.skip ?? null;
  const channels = attrs.channels as number;
  const [images, paddedHeight, paddedWidth, phaseChannels] = phases.shape;
  const height = paddedHeight - 1;
  const width = paddedWidth - 1;
  if (phaseChannels !== 4 * channels) throw new Error(`src/compute/wasm/interleavePhasesKernel.ts: ${phaseChannels} phase channels for ${channels} channels`);
  const skipChannels = skip ? skip.shape[3] : 0;
  if (skip && (skip.shape[0] !== images || skip.shape[1] !== 2 * height || skip.shape[2] !== 2 * width))
    throw new Error(`src/compute/wasm/interleavePhasesKernel.ts: skip [${skip.shape}] does not match [${images}, ${2 * height}, ${2 * width}]`);
  const out = backend.makeOutput([images, 2 * height, 2 * width, channels + skipChannels], 'float32');
  // Views are taken after allocating: makeOutput may grow (and so detach) the wasm heap.
  interleavePhasesInto(
    backend.typedArrayFromHeap(phases) as Float32Array,
    skip ? (backend.typedArrayFromHeap(skip) as Float32Array) : null,
    backend.typedArrayFromHeap(out) as Float32Array,
    images, height, width, channels, skipChannels,
  );
  return out;
};

export const interleavePhasesWasmConfig: KernelConfig = { kernelName: INTERLEAVE_PHASES, backendName: WASM_BACKEND, kernelFunc: interleavePhases };
