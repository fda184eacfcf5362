/** The human-readable report of `npm run metrics`: every distance beside its real-vs-real floor. */
import type { DistributionMetrics } from '../../src/metrics/distribution/index';
import type { Comparison } from './compareSets';

const num = (v: number | null | undefined, digits = 4): string => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : Number(v.toPrecision(digits)).toString());
const percent = (v: number): string => `${Number((100 * v).toPrecision(3))} %`;

function kidText(d: DistributionMetrics): string {
  const s = d.kid.subsets;
  return `${num(d.kid.full)}${s ? ` (subsets ${num(s.mean)} ± ${num(s.std)}, ${s.count} × ${s.size})` : ''}`;
}

/** The distance table, each figure beside its real-vs-real floor; or why there are no distances. */
function distanceLines(c: Comparison): string[] {
  const d = c.distribution;
  if (!d) return [`distribution metrics not available: ${c.distributionUnavailable ?? 'unknown reason'} (paired figures below need no minimum)`];
  const f = c.floor?.distribution;
  const rows: [string, string, string][] = [
    [c.frechetName, num(d.frechet.value, 6), f ? num(f.frechet.value, 6) : 'n/a'],
    ['KID', kidText(d), f ? num(f.kid.full) : 'n/a'],
    [`precision (k=${d.prdc.k})`, num(d.prdc.precision), f ? num(f.prdc.precision) : 'n/a'],
    ['recall', num(d.prdc.recall), f ? num(f.prdc.recall) : 'n/a'],
    ['density', num(d.prdc.density), f ? num(f.prdc.density) : 'n/a'],
    ['coverage', num(d.prdc.coverage), f ? num(f.prdc.coverage) : 'n/a'],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length)) + 2;
  const w1 = Math.max(14, ...rows.map((r) => r[1].length)) + 2;
  return [
    `${''.padEnd(w0)}${'fake vs real'.padEnd(w1)}real vs real floor${c.floor ? ` (disjoint random real images, ${c.floor.n.real} vs ${c.floor.n.fake})` : ''}`,
    ...rows.map(([name, value, floor]) => `${name.padEnd(w0)}${value.padEnd(w1)}${floor}`),
    `KID: ${d.kid.note}`,
  ];
}

function pairedLine(p: NonNullable<Comparison['paired']>): string {
  const psnr =
    p.identicalPairs === 0
      ? `PSNR ${num(p.psnr)} dB`
      : `PSNR ${num(p.psnr)} dB over ${p.psnrFinitePairs} differing pairs; ${p.identicalPairs} identical pair${p.identicalPairs === 1 ? '' : 's'} (infinite PSNR)`;
  return `paired (${p.pairs}): SSIM ${num(p.ssim)}, ${psnr}, MSE ${num(p.mse)}, MAE ${num(p.mae)}, MS-SSIM ${p.msSsim === null ? `n/a (${p.msSsimError})` : num(p.msSsim)}; one row per pair in --json`;
}

export function metricsText(c: Comparison, sources: { real: string; fake: string }): string {
  const lines = [`real: ${sources.real} (N=${c.n.real})   fake: ${sources.fake} (N=${c.n.fake})   features: ${c.featureSpace}, ${c.dims} dims`, ...distanceLines(c)];
  if (c.diversity) lines.push(`diversity (mean pairwise SSIM, lower is more diverse): real ${num(c.diversity.real.meanSsim)}, fake ${num(c.diversity.fake.meanSsim)}`);
  if (c.paired) lines.push(pairedLine(c.paired));
  if (c.perClass) {
    lines.push('per class (fake vs real, floor in brackets):');
    for (const k of c.perClass) {
      const head = `  ${k.className} (N=${k.n.real} real, ${k.n.fake} fake):`;
      if (!k.distribution) {
        lines.push(`${head} ${k.note}`);
        continue;
      }
      const fl = k.floor?.distribution;
      const both = (value: number | null, floor: number | null | undefined, digits = 4) => `${num(value, digits)} [${fl ? num(floor, digits) : 'n/a'}]`;
      lines.push(
        `${head} ${c.frechetName.split(' ')[0]} ${both(k.distribution.frechet.value, fl?.frechet.value, 5)}, KID ${both(k.distribution.kid.full, fl?.kid.full)}, ` +
          `precision ${both(k.distribution.prdc.precision, fl?.prdc.precision)}, recall ${both(k.distribution.prdc.recall, fl?.prdc.recall)}, coverage ${both(k.distribution.prdc.coverage, fl?.prdc.coverage)}`,
      );
    }
  }
  const m = c.memorization;
  if (m) {
    lines.push(
      `memorisation audit (held out: ${m.heldout}, N=${m.n.validation}; thresholds at the ${m.percentile}st percentile of held-out-to-train distances: SSIM distance ${num(m.thresholds.ssim)}, feature distance ${num(m.thresholds.features)})`,
      `  likely copies (below both): ${m.flagged.likelyCopies} of ${m.n.synthetic} (${percent(m.fractionFlagged.likelyCopies)}); held-out real images flagged the same way: ${percent(m.validationFractionFlagged)}`,
      `  below the SSIM threshold alone: ${m.flagged.ssim}; below the feature threshold alone: ${m.flagged.features}`,
      ...m.likelyCopies.map((row) => `  fake ${row.fake} ≈ real ${row.real} (SSIM distance ${num(row.ssimDistance)}, feature distance ${num(row.featureDistance)}${row.realByFeatures !== row.real ? `; nearest by features: ${row.realByFeatures}` : ''})`),
    );
    for (const w of m.warnings) lines.push(`  warning: ${w}`);
  }
  for (const note of c.notes) lines.push(`note: ${note}`);
  for (const w of c.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
