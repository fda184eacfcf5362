/**
 * How many synthetic images of each class to make: one class, counts per class, an even split, or
 * "balance the real dataset" (counts that bring every class of the real training split up to the
 * largest). Pure, so the UI can show the counts before the job starts.
 */
export const MAX_SYNTHETIC_IMAGES = 10_000;

export type ClassPlan =
  | { kind: 'even'; count: number }
  | { kind: 'one'; classIndex: number; count: number }
  | { kind: 'counts'; counts: number[] }
  | { kind: 'balance' };

/**
 * Images per class (one entry per class; one entry for an unconditional model), checked: whole
 * numbers, 1 to 10,000 in all. `realCounts` are the real training split's images per class.
 */
export function planCounts(plan: ClassPlan, classNames: readonly string[], conditional: boolean, realCounts: readonly number[]): number[] {
  const classes = conditional ? classNames.length : 1;
  let counts: number[];
  if (plan.kind === 'even') counts = Array.from({ length: classes }, (_, c) => Math.floor(plan.count / classes) + (c < plan.count % classes ? 1 : 0));
  else if (plan.kind === 'one') {
    if (!conditional) counts = [plan.count];
    else {
      if (!Number.isInteger(plan.classIndex) || plan.classIndex < 0 || plan.classIndex >= classes) throw new Error(`There is no class ${plan.classIndex}; the model has ${classes}`);
      counts = Array.from({ length: classes }, (_, c) => (c === plan.classIndex ? plan.count : 0));
    }
  } else if (plan.kind === 'counts') {
    if (plan.counts.length !== classes) throw new Error(`${plan.counts.length} counts for ${classes} ${classes === 1 ? 'class' : 'classes'}`);
    counts = [...plan.counts];
  } else {
    if (!conditional) throw new Error('Balancing needs a conditional model: an unconditional one cannot be asked for a class');
    if (realCounts.length !== classes) throw new Error(`The real dataset has ${realCounts.length} classes, the model ${classes}`);
    const largest = Math.max(...realCounts);
    counts = realCounts.map((n) => largest - n);
    if (counts.every((n) => n === 0)) throw new Error('The real training split is already balanced: every class has as many images as the largest');
  }
  counts.forEach((n, c) => {
    if (!Number.isInteger(n) || n < 0) throw new Error(`The count of ${conditional ? `"${classNames[c]}"` : 'images'} must be a whole number ≥ 0, not ${n}`);
  });
  const total = counts.reduce((a, b) => a + b, 0);
  if (total < 1 || total > MAX_SYNTHETIC_IMAGES) throw new Error(`Between 1 and ${MAX_SYNTHETIC_IMAGES.toLocaleString('en')} images can be generated at once, not ${total}`);
  return counts;
}

/** Each image's class, classes in order (counts[0] of class 0, then class 1, ...). */
export function labelsForCounts(counts: readonly number[]): Uint8Array {
  const labels = new Uint8Array(counts.reduce((a, b) => a + b, 0));
  let at = 0;
  counts.forEach((n, c) => {
    labels.fill(c, at, at + n);
    at += n;
  });
  return labels;
}
