/**
 * The record a synthetic export leaves on its run, and its one-line description. Kept apart from
 * syntheticExport.ts (which pulls in tfjs through the generator) so the UI thread can import it.
 */
export interface ExportAudit {
  time: number;
  step: number;
  generated: number;
  /**
   * Images below both thresholds: the likely copies, left out unless kept on request. Absent on
   * audits saved before the combined rule, which left out images flagged by either criterion.
   */
  likelyCopies?: number;
  /** Each criterion on its own, for inspection. */
  flaggedBySsim: number;
  flaggedByFeatures: number;
  dropped: number;
  kept: number;
  datasetId: string;
  thresholds: { ssim: number; features: number };
  /**
   * npm run generate --audit-against: the dataset file audited against and how it compares with
   * the run card's fingerprint of the training data. Absent on the studio's audits, which use the
   * run's own stored dataset.
   */
  against?: AuditDatasetCheck;
}

/** Whether the images an audit compared against are the ones the run trained on (by the run card's fingerprint). */
export interface AuditDatasetCheck {
  file: string;
  /** match: same pixels (SHA-256); counts-match: same counts per class and split, other pixels or order; mismatch; unknown: no fingerprint to compare. */
  verdict: 'match' | 'counts-match' | 'mismatch' | 'unknown';
  text: string;
}

export function describeExportAudit(a: ExportAudit): string {
  const criteria = `flagged by SSIM ${a.flaggedBySsim}, by features ${a.flaggedByFeatures}`;
  const headline =
    a.likelyCopies === undefined
      ? `${a.generated} generated, ${criteria} (older audit: either criterion counted)`
      : `${a.generated} generated, ${a.likelyCopies} likely ${a.likelyCopies === 1 ? 'copy' : 'copies'} (${(100 * a.likelyCopies / a.generated).toFixed(1)} %, below both thresholds; ${criteria})`;
  return `step ${a.step}: ${headline}, ${a.dropped} left out, ${a.kept} saved`;
}
