/** Public API of the evaluation core (pure TypeScript, runs in a Web Worker or in Node). */
export * from './types';
export * from './paired/index';
export * from './distribution/index';
export * from './radiomics/index';
export { meanPairwiseSsim, type DiversityOptions, type DiversityResult } from './diversity';
export { auditMemorization, auditBySsim, auditByFeatures, percentileOf, type AuditResult, type FlaggedPair, type MemorizationOptions, type MemorizationResult, type MemorizationSets } from './memorization';
export { kNearest, type KNearest } from './nearest';
export { fitZNormalisation, applyZNormalisation, type ZNormalisation } from './normalise';
export { reportFromFeatures, reportFromImages, type FeatureSpace, type MetricsReport, type ReportOptions } from './report';
export { stackImage, stackPixels } from './stack';
