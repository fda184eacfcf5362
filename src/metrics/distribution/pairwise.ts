/**
 * Pairwise-distance helpers over the dot-product tiles of linalg/dotTiles.ts: KID needs x·y for
 * its kernel and PRDC needs |x − y|² = |x|² + |y|² − 2 x·y, so one scan over the pairs feeds both.
 */
import { scanDotTiles, type DenseRows, type TileVisitor } from '../linalg/dotTiles';

export { dotEngineKind, scanDotTiles, squaredNorms, toDenseRows, type DenseRows, type DotEngineKind, type TileVisitor } from '../linalg/dotTiles';

/** Squared Euclidean distance from a dot product and the two squared norms, clamped against round-off. */
export function squaredDistanceFromDot(normA: number, normB: number, dot: number): number {
  const sq = normA + normB - 2 * dot;
  return sq > 0 ? sq : 0;
}

/** Euclidean distance from a dot product and the two squared norms, clamped against round-off. */
export function distanceFromDot(normA: number, normB: number, dot: number): number {
  return Math.sqrt(squaredDistanceFromDot(normA, normB, dot));
}

/** The three scans of a real/fake comparison, each fanned out to its visitors (skipped when none). */
export function runScans(real: DenseRows, fake: DenseRows, visitors: { xx: TileVisitor[]; yy: TileVisitor[]; xy: TileVisitor[] }): void {
  const fanOut = (list: TileVisitor[]): TileVisitor =>
    list.length === 1 ? list[0] : (i0, i1, j0, j1, dots, stride) => list.forEach((v) => v(i0, i1, j0, j1, dots, stride));
  if (visitors.xx.length) scanDotTiles(real, real, true, fanOut(visitors.xx));
  if (visitors.yy.length) scanDotTiles(fake, fake, true, fanOut(visitors.yy));
  if (visitors.xy.length) scanDotTiles(real, fake, false, fanOut(visitors.xy));
}
