/**
 * Node tests that train conv nets use the wasm backend with the studio's training kernels: the
 * cpu backend's convolution gradients cost about a microsecond per multiply-add, minutes a step.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../compute/wasm/trainingKernels';

export async function useWasmBackend(): Promise<void> {
  registerWasmTrainingKernels();
  const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  setWasmPaths(`${dist}/`);
  if (!(await tf.setBackend('wasm'))) throw new Error('The tfjs wasm backend did not start');
  await tf.ready();
}
