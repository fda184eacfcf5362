/**
 * Seeded, stratified train/val/test assignment: every class is split in the same proportions, so a
 * small class is never missing from validation or test.
 */
import { Random } from './random';

export interface SplitFractions {
  train: number;
  val: number;
  test: number;
}
export const DEFAULT_SPLIT: SplitFractions = { train: 0.8, val: 0.1, test: 0.1 };

/** Returns one code per item: 0 train, 1 val, 2 test. */
export function stratifiedSplits(labels: ArrayLike<number>, seed: number, fractions: SplitFractions = DEFAULT_SPLIT): Uint8Array {
  const total = fractions.train + fractions.val + fractions.test;
  if (!(total > 0) || [fractions.train, fractions.val, fractions.test].some((f) => f < 0)) {
    throw new Error(`Split fractions must be non-negative and not all zero, got ${JSON.stringify(fractions)}`);
  }
  const codes = new Uint8Array(labels.length);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const members = byClass.get(labels[i]) ?? [];
    members.push(i);
    byClass.set(labels[i], members);
  }
  const rng = new Random(seed);
  for (const members of [...byClass.entries()].sort((a, b) => a[0] - b[0]).map(([, m]) => m)) {
    rng.shuffle(members);
    const nVal = Math.round((members.length * fractions.val) / total);
    const nTest = Math.round((members.length * fractions.test) / total);
    members.forEach((item, k) => {
      codes[item] = k < nVal ? 1 : k < nVal + nTest ? 2 : 0;
    });
  }
  return codes;
}
