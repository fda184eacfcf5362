/**
 * Flagged pairs as the pair view shows them: which synthetic image, which training image beside
 * it, and a caption with the distances. Plain objects of numbers and strings, so they can be
 * handed to the worker as they are (a Svelte $state proxy cannot cross postMessage).
 */
import type { AuditSummary, LikelyCopiesSummary } from '../../evaluation/evaluationTypes';

export interface ShownPair {
  synthetic: number;
  /** Dataset index of the training image shown beside the synthetic one. */
  train: number;
  caption: string;
}

const short = (v: number) => v.toPrecision(3);

export function likelyCopyPairs(summary: LikelyCopiesSummary): ShownPair[] {
  return summary.pairs.map((p) => ({
    synthetic: p.synthetic,
    train: p.train,
    caption:
      p.featuresTrain === p.train
        ? `#${p.synthetic} ↔ train #${p.train} · 1−SSIM ${short(p.ssimDistance)}, features ${short(p.featureDistance)}`
        : `#${p.synthetic} ↔ train #${p.train} (1−SSIM ${short(p.ssimDistance)}); by features train #${p.featuresTrain} (${short(p.featureDistance)})`,
  }));
}

export function auditPairs(audit: AuditSummary): ShownPair[] {
  return audit.pairs.map((p) => ({ synthetic: p.synthetic, train: p.train, caption: `#${p.synthetic} ↔ train #${p.train} · ${short(p.distance)}` }));
}
