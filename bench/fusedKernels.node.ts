/**
 * Kernel-level A/B of the fused training kernels against the composed ops they replace, on wasm,
 * alternating in one process (best of `repeats`): batch norm + ReLU forward and backward at the
 * DCGAN-64 generator's largest map, and the Adam update of one million parameters.
 *
 *   npx tsx bench/fusedKernels.node.ts [--repeats 15]
 */
import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { useWasmBackend } from '../src/testing/wasmBackend';
import { setWasmTrainingFusions } from '../src/compute/wasm/trainingKernels';
import { fusedBatchNormAct } from '../models/kernels/batchNormAct';
import { batchMoments, batchNormApply, BN_EPSILON } from '../models/layers/basic';
import { Adam } from '../models/core/adam';
import { ParamStore } from '../models/core/params';

const argv = process.argv.slice(2);
const repeats = Number(argv[argv.indexOf('--repeats') + 1] || 15);
await useWasmBackend();
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

/**
 * Best of three, in ms of this process's CPU time (user + system): on a shared machine wall time
 * mostly measures the wait for a core; the backend runs on this one thread.
 */
function best(run: () => void): number {
  let fastest = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = process.cpuUsage();
    run();
    const used = process.cpuUsage(t0);
    fastest = Math.min(fastest, (used.user + used.system) / 1000);
  }
  return fastest;
}

const results: Record<string, number[]> = {};
const record = (name: string, ms: number) => (results[name] ??= []).push(ms);

for (const shape of [[16, 32, 32, 64], [16, 8, 8, 256], [16, 14, 14, 64], [16, 7, 7, 128], [16, 4, 4, 512]]) {
  const x = tf.randomNormal(shape);
  const gamma = tf.randomUniform([shape[3]], 0.5, 1.5);
  const beta = tf.randomNormal([shape[3]]);
  const dy = tf.randomNormal(shape);
  const composed = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = batchMoments(xi);
    return tf.relu(batchNormApply(xi, mean, variance, g, b));
  };
  const fused = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => fusedBatchNormAct(xi, g, b, { epsilon: BN_EPSILON, activation: 'relu' })!.y;
  for (let r = 0; r < repeats; r++) {
    for (const [name, f] of [['composed', composed], ['fused', fused]] as const) {
      record(`BN+ReLU forward [${shape}] ${name}`, best(() => tf.tidy(() => { f(x, gamma, beta).dataSync(); })));
      record(`BN+ReLU forward+backward [${shape}] ${name}`, best(() => tf.tidy(() => {
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => f(a, b, c).mul(dy).sum())([x, gamma, beta]);
        grads[0].dataSync();
      })));
    }
  }
}

for (const size of [1 << 20, 4096]) {
  const store = new ParamStore(1, 'bench');
  const names = Array.from({ length: 4 }, (_, i) => `p${i}`);
  for (const n of names) store.add(n, [size / 4], { kind: 'normal', std: 0.1 });
  const adam = new Adam(store, 'adam', names, { learningRate: 1e-3, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 });
  const grads: tf.NamedTensorMap = {};
  for (const n of names) grads[store.get(n).name] = tf.randomNormal([size / 4]);
  for (let r = 0; r < repeats; r++) {
    for (const arm of ['composed', 'fused']) {
      setWasmTrainingFusions(arm === 'fused');
      record(`Adam ${size} params in 4 tensors ${arm}`, best(() => { adam.apply(grads); store.get('p0').dataSync(); }));
    }
  }
  setWasmTrainingFusions(true);
}

for (const [name, times] of Object.entries(results)) {
  times.sort((a, b) => a - b);
  console.log(`${name.padEnd(60)} median ${times[times.length >> 1].toFixed(2)} ms  min ${times[0].toFixed(2)} ms`);
}
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
