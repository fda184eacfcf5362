import { describe, expect, it } from 'vitest';
import { Random } from '../../data/random';
import { dotEngineKind, scanDotTiles, type DenseRows } from './dotTiles';

function randomRows(rows: number, cols: number, seed: number): DenseRows {
  const rng = new Random(seed);
  return { data: Float64Array.from({ length: rows * cols }, () => rng.normal()), rows, cols };
}

/** Every dot product a scan reports, as a dense rows(a) x rows(b) matrix (NaN where not visited). */
function collect(a: DenseRows, b: DenseRows, symmetric: boolean, engine: 'wasm-simd' | 'js'): Float64Array {
  const out = new Float64Array(a.rows * b.rows).fill(NaN);
  scanDotTiles(a, b, symmetric, (i0, i1, j0, j1, dots, stride) => {
    for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) out[i * b.rows + j] = dots[(i - i0) * stride + (j - j0)];
  }, engine);
  return out;
}

describe('dot-product tiles', () => {
  it('runs on WebAssembly SIMD in Node 20', () => {
    expect(dotEngineKind()).toBe('wasm-simd');
  });

  // Odd row counts and feature counts hit the kernel's zero padding (rows to 4, columns to 2)
  // and the partial last tiles (32 x 128).
  for (const [ra, rb, cols] of [[37, 131, 5], [70, 300, 17], [3, 1, 1]] as const) {
    it(`matches direct sums for ${ra} x ${rb} rows of ${cols} features, both engines`, () => {
      const a = randomRows(ra, cols, 1);
      const b = randomRows(rb, cols, 2);
      for (const engine of ['wasm-simd', 'js'] as const) {
        const dots = collect(a, b, false, engine);
        for (let i = 0; i < ra; i++) {
          for (let j = 0; j < rb; j++) {
            let s = 0;
            for (let k = 0; k < cols; k++) s += a.data[i * cols + k] * b.data[j * cols + k];
            // Float64 with a different summation order: a few ulps of the summands' scale.
            expect(Math.abs(dots[i * rb + j] - s), `${engine} ${i},${j}`).toBeLessThan(1e-13 * cols);
          }
        }
      }
    });
  }

  it('a symmetric scan visits every pair above the diagonal', () => {
    const a = randomRows(150, 9, 3);
    const dots = collect(a, a, true, 'wasm-simd');
    for (let i = 0; i < 150; i++) for (let j = i + 1; j < 150; j++) expect(Number.isNaN(dots[i * 150 + j]), `${i},${j}`).toBe(false);
  });
});
