/**
 * The SIMD Adam and EMA loops of ./optimizerUpdatesSimd.ts against the JS loops of
 * models/kernels/adamUpdate.ts and emaUpdate.ts, on a heap of their own: float32 throughout
 * against the JS loops' float64 sums, so within a few float32 ulps, on lengths a multiple of 4
 * (the kernels run the last 0–3 floats in JS; the kernel tests in ./trainingFusions.test.ts cover
 * whole tensors of every length).
 */
import { describe, expect, it } from 'vitest';
import { adamUpdateInto } from '../../../models/kernels/adamUpdate';
import { emaUpdateInto } from '../../../models/kernels/emaUpdate';
import { optimizerUpdatesFor, optimizerUpdatesModuleBytes } from './optimizerUpdatesSimd';

const memory = new WebAssembly.Memory({ initial: 16 });
const N = 4 * 1001;

function filled(at: number, seed: number, positive = false): Float32Array {
  const view = new Float32Array(memory.buffer, at, N);
  let state = (seed * 2654435761) >>> 0;
  for (let i = 0; i < N; i++) {
    state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; state >>>= 0;
    const u = state / 2147483648 - 1;
    view[i] = positive ? Math.abs(u) * 1e-3 : u;
  }
  return view;
}

/** Largest |a − b| / max(|b|, floor): relative error, absolute below `floor`. */
function worst(a: Float32Array, b: Float32Array, floor: number): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), floor));
  return w;
}

describe('SIMD optimizer updates', () => {
  it('assemble into modules the engine accepts, shared heap or not', () => {
    expect(WebAssembly.validate(optimizerUpdatesModuleBytes(false))).toBe(true);
    expect(WebAssembly.validate(optimizerUpdatesModuleBytes(true))).toBe(true);
  });

  it('Adam: weights, m and v as the JS loop makes them', () => {
    const loops = optimizerUpdatesFor(memory)!;
    const bytes = N * 4;
    const [w, m, v, g] = [filled(0, 1), filled(bytes, 2), filled(2 * bytes, 3, true), filled(3 * bytes, 4)];
    const out = (k: number) => new Float32Array(memory.buffer, k * bytes, N);
    const [beta1, beta2, step, eps] = [0.5, 0.999, 1e-3, 1e-8];
    loops.adam(0, bytes, 2 * bytes, 3 * bytes, 4 * bytes, 5 * bytes, 6 * bytes, bytes, beta1, 1 - beta1, beta2, 1 - beta2, step, eps);
    const [wJs, mJs, vJs] = [new Float32Array(N), new Float32Array(N), new Float32Array(N)];
    adamUpdateInto(w, m, v, g, wJs, mJs, vJs, beta1, beta2, step, eps);
    // Relative to the inputs' scale (m and g ~1, v ~1e-3): β1·m + (1 − β1)·g cancels near 0, where a
    // last-bit difference is large relative to the result but not to its terms.
    expect(worst(out(5), mJs, 1)).toBeLessThan(1e-6);
    expect(worst(out(6), vJs, 1e-3)).toBeLessThan(1e-6);
    expect(worst(out(4), wJs, 1)).toBeLessThan(1e-6);
    // The weights moved (by up to the step size), and by the same amount as in JS.
    const moved = out(4).map((x, i) => x - w[i]);
    expect(moved.some((d) => Math.abs(d) > 1e-4)).toBe(true);
  });

  it('EMA: d·s + (1 − d)·w as the JS loop makes it', () => {
    const loops = optimizerUpdatesFor(memory)!;
    const bytes = N * 4;
    const [s, w] = [filled(0, 5), filled(bytes, 6)];
    loops.ema(0, bytes, 2 * bytes, bytes, 0.999, 1 - 0.999);
    const js = new Float32Array(N);
    emaUpdateInto(s, w, js, 0.999);
    expect(worst(new Float32Array(memory.buffer, 2 * bytes, N), js, 1e-6)).toBeLessThan(1e-6);
  });
});
