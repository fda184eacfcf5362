/**
 * Seeded, stratified train/val/test assignment that never splits a patient group.
 *
 * Items sharing a group index move together. Groups are stratified by their majority label and,
 * per class, dealt largest-first to the split that is furthest below its target share — the
 * usual greedy for grouped stratification (as in scikit-learn's StratifiedGroupKFold idea).
 */
import { SPLITS, type Split } from './types';

export interface SplitItem {
  label: number;
  group?: number;
  /** A split fixed by the source (MedMNIST): kept as is. */
  split?: Split;
}

export interface SplitOptions {
  seed: number;
  fractions?: [number, number, number];
}

/** mulberry32: small, fast, good enough for shuffling. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

export function assignSplits(items: readonly SplitItem[], options: SplitOptions): Split[] {
  const fractions = options.fractions ?? [0.8, 0.1, 0.1];
  const result: Split[] = new Array(items.length);
  const random = seededRandom(options.seed);

  // Units that must stay together: one per group, or one per ungrouped item.
  const units = new Map<string, number[]>();
  items.forEach((item, i) => {
    if (item.split) {
      result[i] = item.split;
      return;
    }
    const key = item.group !== undefined ? `g${item.group}` : `i${i}`;
    const unit = units.get(key);
    if (unit) unit.push(i);
    else units.set(key, [i]);
  });

  const byClass = new Map<number, number[][]>();
  for (const members of units.values()) {
    const counts = new Map<number, number>();
    for (const i of members) counts.set(items[i].label, (counts.get(items[i].label) ?? 0) + 1);
    const majority = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
    const list = byClass.get(majority);
    if (list) list.push(members);
    else byClass.set(majority, [members]);
  }

  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const unitsOfClass = shuffle(byClass.get(label)!, random);
    // Stable sort by size after the shuffle: big groups first, ties in random order.
    unitsOfClass.sort((a, b) => b.length - a.length);
    const total = unitsOfClass.reduce((n, u) => n + u.length, 0);
    const filled = [0, 0, 0];
    for (const unit of unitsOfClass) {
      let best = 0;
      let bestDeficit = -Infinity;
      for (let s = 0; s < 3; s++) {
        const deficit = fractions[s] * total - filled[s];
        if (deficit > bestDeficit + 1e-9) {
          bestDeficit = deficit;
          best = s;
        }
      }
      filled[best] += unit.length;
      for (const i of unit) result[i] = SPLITS[best];
    }
  }
  return result;
}

/**
 * What the split assignment actually did, in words for the import report: patient-grouped only
 * when some file carried a patient identity (DICOM PatientID, say); JPEGs, PNGs and npz rows carry
 * none, and then each image is its own unit. Splits fixed by the source (MedMNIST) are named too.
 */
export function describeSplits(items: readonly SplitItem[]): string {
  const fromSource = items.filter((item) => item.split).length;
  const assigned = items.filter((item) => !item.split);
  const grouped = assigned.filter((item) => item.group !== undefined);
  const groups = new Set(grouped.map((item) => item.group)).size;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts: string[] = [];
  if (fromSource > 0) parts.push(assigned.length === 0 ? `as the source set them (${plural(fromSource, 'image')})` : `${plural(fromSource, 'image')} as the source set them`);
  if (assigned.length > 0) {
    const rest = fromSource > 0 ? 'the rest ' : '';
    if (grouped.length === 0) {
      parts.push(`${rest}stratified by class, image by image: no file carried a patient identity, so one patient's images may fall in different splits`);
    } else {
      const loose = assigned.length - grouped.length;
      parts.push(
        `${rest}patient-grouped (${groups === 1 ? '1 patient or study' : `${groups} patients or studies`}, none split across train/val/test), stratified by class` +
          (loose > 0 ? `; ${plural(loose, 'image')} without a patient identity split image by image` : ''),
      );
    }
  }
  return parts.join('; ');
}
