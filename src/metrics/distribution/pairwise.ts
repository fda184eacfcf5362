/**
 * Tiled pairwise dot products between the rows of two feature matrices, in Float64. KID needs
 * x·y for its kernel and PRDC needs |x - y| = sqrt(|x|² + |y|² - 2 x·y), so one scan over the
 * pairs feeds both. Tiles keep a block of B rows in cache while a few A rows stream past it.
 */
import type { FeatureMatrix } from '../types';

export interface DenseRows {
  data: Float64Array;
  rows: number;
  cols: number;
}

export function toDenseRows(m: FeatureMatrix): DenseRows {
  return { data: m.data instanceof Float64Array ? m.data : Float64Array.from(m.data), rows: m.rows, cols: m.cols };
}

export function squaredNorms(m: DenseRows): Float64Array {
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    const off = r * m.cols;
    for (let c = 0; c < m.cols; c++) s += m.data[off + c] * m.data[off + c];
    out[r] = s;
  }
  return out;
}

/**
 * A tile of dot products: dots[(i - i0) * (j1 - j0) + (j - j0)] = a_i · b_j.
 * With `symmetric` (a === b), only tiles on or above the diagonal are visited and the visitor
 * must itself skip j <= i inside diagonal tiles.
 */
export type TileVisitor = (i0: number, i1: number, j0: number, j1: number, dots: Float64Array) => void;

const TILE_ROWS = 16;
const TILE_COLS = 256;

export function scanDotTiles(a: DenseRows, b: DenseRows, symmetric: boolean, visit: TileVisitor): void {
  const d = a.cols;
  const A = a.data;
  const B = b.data;
  const dots = new Float64Array(TILE_ROWS * TILE_COLS);
  for (let j0 = 0; j0 < b.rows; j0 += TILE_COLS) {
    const j1 = Math.min(b.rows, j0 + TILE_COLS);
    const width = j1 - j0;
    const iLimit = symmetric ? Math.min(a.rows, j1) : a.rows;
    for (let i0 = 0; i0 < iLimit; i0 += TILE_ROWS) {
      const i1 = Math.min(iLimit, i0 + TILE_ROWS);
      for (let i = i0; i < i1; i++) {
        const ai = i * d;
        const outRow = (i - i0) * width;
        let j = j0;
        // Four B rows per pass share each load of a_i.
        for (; j + 3 < j1; j += 4) {
          const b0 = j * d;
          const b1 = b0 + d;
          const b2 = b1 + d;
          const b3 = b2 + d;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          for (let k = 0; k < d; k++) {
            const x = A[ai + k];
            s0 += x * B[b0 + k];
            s1 += x * B[b1 + k];
            s2 += x * B[b2 + k];
            s3 += x * B[b3 + k];
          }
          const o = outRow + j - j0;
          dots[o] = s0;
          dots[o + 1] = s1;
          dots[o + 2] = s2;
          dots[o + 3] = s3;
        }
        for (; j < j1; j++) {
          const bj = j * d;
          let s = 0;
          for (let k = 0; k < d; k++) s += A[ai + k] * B[bj + k];
          dots[outRow + j - j0] = s;
        }
      }
      visit(i0, i1, j0, j1, dots);
    }
  }
}

/** Euclidean distance from a dot product and the two squared norms, clamped against round-off. */
export function distanceFromDot(normA: number, normB: number, dot: number): number {
  const sq = normA + normB - 2 * dot;
  return sq > 0 ? Math.sqrt(sq) : 0;
}

/** The three scans of a real/fake comparison, each fanned out to its visitors (skipped when none). */
export function runScans(real: DenseRows, fake: DenseRows, visitors: { xx: TileVisitor[]; yy: TileVisitor[]; xy: TileVisitor[] }): void {
  const fanOut = (list: TileVisitor[]): TileVisitor =>
    list.length === 1 ? list[0] : (i0, i1, j0, j1, dots) => list.forEach((v) => v(i0, i1, j0, j1, dots));
  if (visitors.xx.length) scanDotTiles(real, real, true, fanOut(visitors.xx));
  if (visitors.yy.length) scanDotTiles(fake, fake, true, fanOut(visitors.yy));
  if (visitors.xy.length) scanDotTiles(real, fake, false, fanOut(visitors.xy));
}
