/**
 * KID and PRDC as two phases of pairwise scans that can be cut into row ranges, so that several
 * workers can share them and their partial results merge into exactly the single scan's:
 *
 *  1. within: real × real and fake × fake (KID's within-set sums, both sets' k-NN radii);
 *  2. cross: real × fake (KID's cross sum, PRDC's ball tests), which needs phase 1's radii.
 *
 * Every partial is either kept per row block (kernel sums), a multiset (k-NN lists), integer
 * counts, or owned by one range (per-real PRDC results), so merging is exact in any order.
 */
import { TILE_ROWS, scanDotTiles, squaredNorms, type DenseRows, type RowRange } from '../linalg/dotTiles';
import type { FeatureMatrix } from '../types';
import { KernelSum, NearestNeighbourRadii, PrdcCross, type KernelSumState } from './accumulators';
import { KidScan, finishKid, type KidResult, type ResolvedKidOptions } from './kid';
import { sampleSizeWarnings } from './notes';
import { summarisePrdc, type PrdcResult } from './prdc';

export type { RowRange } from '../linalg/dotTiles';

/** Everything a scan of either phase needs besides its row ranges; plain data, so it can be posted to a worker. */
export interface PairScanSetup {
  real: DenseRows;
  fake: DenseRows;
  k: number;
  kid: ResolvedKidOptions;
}

export interface WithinPartial {
  xx: KernelSumState;
  yy: KernelSumState;
  /** rows x k nearest-neighbour squared distances of each set. */
  realBest: Float64Array;
  fakeBest: Float64Array;
}

export interface CrossPartial {
  xy: KernelSumState;
  realBallsHit: Uint32Array;
  insideFakeBall: Uint8Array;
  nearestFake: Float64Array;
}

export interface CrossInput {
  realRadii: Float64Array;
  fakeRadii: Float64Array;
}

/** Phase 1 over real rows `realRows` (of real × real) and fake rows `fakeRows` (of fake × fake). */
export function scanWithin(setup: PairScanSetup, realRows: RowRange, fakeRows: RowRange): WithinPartial {
  const { real, fake, k } = setup;
  const kid = new KidScan(real.cols, real.rows, fake.rows, setup.kid);
  const realKnn = new NearestNeighbourRadii(squaredNorms(real), k);
  const fakeKnn = new NearestNeighbourRadii(squaredNorms(fake), k);
  scanDotTiles(real, real, true, both(kid.xx, realKnn), undefined, realRows);
  scanDotTiles(fake, fake, true, both(kid.yy, fakeKnn), undefined, fakeRows);
  return { xx: kid.xx.state, yy: kid.yy.state, realBest: realKnn.best, fakeBest: fakeKnn.best };
}

/** Phase 2 over real rows `realRows` of real × fake. */
export function scanCross(setup: PairScanSetup, input: CrossInput, realRows: RowRange): CrossPartial {
  const { real, fake } = setup;
  const kid = new KidScan(real.cols, real.rows, fake.rows, setup.kid);
  const cross = new PrdcCross(squaredNorms(real), squaredNorms(fake), input.realRadii, input.fakeRadii);
  scanDotTiles(real, fake, false, both(kid.xy, cross), undefined, realRows);
  return { xy: kid.xy.state, realBallsHit: cross.realBallsHit, insideFakeBall: cross.insideFakeBall, nearestFake: cross.nearestFake };
}

function both(a: { visit: KernelSum['visit'] }, b: { visit: KernelSum['visit'] }): KernelSum['visit'] {
  return (i0, i1, j0, j1, dots, stride) => {
    a.visit(i0, i1, j0, j1, dots, stride);
    b.visit(i0, i1, j0, j1, dots, stride);
  };
}

/** Merged phase-1 partials, and the radii phase 2 needs. */
export interface WithinResult {
  kid: KidScan;
  realRadii: Float64Array;
  fakeRadii: Float64Array;
}

export function mergeWithin(setup: PairScanSetup, parts: readonly WithinPartial[]): WithinResult {
  const { real, fake, k } = setup;
  const kid = new KidScan(real.cols, real.rows, fake.rows, setup.kid);
  const realKnn = new NearestNeighbourRadii(squaredNorms(real), k);
  const fakeKnn = new NearestNeighbourRadii(squaredNorms(fake), k);
  for (const part of parts) {
    kid.xx.merge(part.xx);
    kid.yy.merge(part.yy);
    realKnn.merge(part.realBest);
    fakeKnn.merge(part.fakeBest);
  }
  return { kid, realRadii: realKnn.squaredRadii(), fakeRadii: fakeKnn.squaredRadii() };
}

/** KID and PRDC from the merged phases; `parts[i]` covers real rows `ranges[i]`. */
export function finishPairScans(setup: PairScanSetup, within: WithinResult, parts: readonly CrossPartial[], ranges: readonly RowRange[]): { kid: KidResult; prdc: PrdcResult } {
  const { real, fake, k } = setup;
  const cross = new PrdcCross(squaredNorms(real), squaredNorms(fake), within.realRadii, within.fakeRadii);
  parts.forEach((part, i) => {
    within.kid.xy.merge(part.xy);
    cross.merge(part, ranges[i]);
  });
  const n = { real: real.rows, fake: fake.rows };
  return {
    kid: finishKid(within.kid, real.rows, fake.rows, setup.kid),
    prdc: { ...summarisePrdc(cross, within.realRadii, k), n, warnings: sampleSizeWarnings(n) },
  };
}

/**
 * Splits rows into `parts` ranges on row-block boundaries with about equal work: for a set
 * against itself (symmetric) row i meets only the rows after it, so early ranges are shorter.
 */
export function splitRows(rows: number, parts: number, symmetric: boolean): RowRange[] {
  const blocks = Math.ceil(rows / TILE_ROWS);
  const count = Math.max(1, Math.min(parts, blocks));
  // Work of block b: its rows times the columns it meets.
  const work = Float64Array.from({ length: blocks }, (_, b) => (symmetric ? rows - b * TILE_ROWS : rows));
  const total = work.reduce((a, w) => a + w, 0);
  const ranges: RowRange[] = [];
  let start = 0;
  let done = 0;
  for (let b = 0, part = 1; b < blocks; b++) {
    done += work[b];
    if (part < count && done >= (total * part) / count) {
      ranges.push({ start, end: Math.min(rows, (b + 1) * TILE_ROWS) });
      start = (b + 1) * TILE_ROWS;
      part++;
    }
  }
  ranges.push({ start, end: rows });
  return ranges.filter((r) => r.end > r.start);
}

/** The whole of both phases on this thread. */
export function kidAndPrdcScans(setup: PairScanSetup): { kid: KidResult; prdc: PrdcResult } {
  const all = (n: number): RowRange => ({ start: 0, end: n });
  const within = mergeWithin(setup, [scanWithin(setup, all(setup.real.rows), all(setup.fake.rows))]);
  const ranges = [all(setup.real.rows)];
  return finishPairScans(setup, within, [scanCross(setup, within, ranges[0])], ranges);
}

export function pairScanSetup(real: FeatureMatrix, fake: FeatureMatrix, k: number, kid: ResolvedKidOptions): PairScanSetup {
  const dense = (m: FeatureMatrix): DenseRows => ({ data: m.data instanceof Float64Array ? m.data : Float64Array.from(m.data), rows: m.rows, cols: m.cols });
  return { real: dense(real), fake: dense(fake), k, kid };
}
