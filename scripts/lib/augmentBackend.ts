/** Starts tfjs for `npm run augment`: wasm with the studio's training kernels (as the app's worker), or cpu. */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../src/compute/wasm/trainingKernels';
import { CliError } from './runCommand';

export async function startAugmentBackend(backend: 'wasm' | 'cpu'): Promise<void> {
  if (backend === 'wasm') {
    registerWasmTrainingKernels();
    // Located through Node's resolver, so the command works from any directory.
    setWasmPaths(`${dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'))}/`);
  }
  if (!(await tf.setBackend(backend))) throw new CliError(`the tfjs ${backend} backend did not start`);
  await tf.ready();
}
