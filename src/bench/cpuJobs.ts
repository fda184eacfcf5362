/**
 * The bench's tfjs-free jobs: the evaluation metrics and the import pipeline. They are pure
 * TypeScript, so their times do not depend on the tfjs backend; they run once, in the same kind
 * of module worker as the app's evaluation and import jobs. Inputs are generated before the clock
 * starts.
 */
import { encode as encodePng } from 'fast-png';
import { generatePhantoms } from '../data/phantom';
import { importFiles } from '../importers/pipeline';
import type { ImportFile } from '../importers/types';
import { FeaturePool } from '../evaluation/featurePool';
import { normaliseToReal } from '../metrics/radiomics/frd';
import type { CpuResult, ImportJob, MetricsJob, StageTiming, WorkerEvent } from './types';

type Post = (event: WorkerEvent) => void;

async function timed<T>(stages: StageTiming[], name: string, post: Post, f: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  const value = await f();
  const ms = performance.now() - t0;
  stages.push({ name, ms });
  post({ type: 'progress', text: `${name}: ${ms.toFixed(0)} ms` });
  return value;
}

/**
 * The evaluation stage's work on phantoms: radiomics features of both sets on the same feature
 * pool the app uses (one worker per logical core, started from this worker), then FRD, KID and
 * PRDC as the app computes them (KID's settings as in the stage: 50 subsets). The pool's
 * start-up is timed with the first set, as the app pays it too.
 */
export async function runMetricsJob(job: MetricsJob, post: Post): Promise<CpuResult> {
  const real = generatePhantoms({ modality: 'head-ct', size: job.size, count: job.count, seed: 1 }).images;
  const fake = generatePhantoms({ modality: 'head-ct', size: job.size, count: job.count, seed: 2 }).images;
  const stages: StageTiming[] = [];
  const pool = new FeaturePool();
  try {
    const r = await timed(stages, `radiomics features (real, ${pool.size} workers)`, post, () => pool.radiomics(real, job.size));
    const f = await timed(stages, `radiomics features (fake, ${pool.size} workers)`, post, () => pool.radiomics(fake, job.size));
    const normalised = await timed(stages, 'z-normalisation', post, () => normaliseToReal(r.features, f.features, r.names));
    const kid = { subsets: 50, subsetSize: Math.min(1000, job.count), seed: 0 };
    // As the app does it: KID + PRDC scans on the workers, FRD on this thread meanwhile.
    const metrics = await timed(stages, `FRD + KID + PRDC (${pool.size} workers)`, post, () => pool.evaluateDistributions(normalised.real, normalised.fake, { k: 5, kid }));
    const totalMs = stages.reduce((a, s) => a + s.ms, 0);
    return {
      kind: 'metrics',
      job,
      status: totalMs > job.budgetMs ? 'budget exceeded' : 'ok',
      stages,
      totalMs,
      summary: {
        workers: pool.size,
        features: normalised.real.cols,
        frd: metrics.frechet.value,
        kid: metrics.kid.full,
        precision: metrics.prdc.precision,
        recall: metrics.prdc.recall,
      },
    };
  } finally {
    pool.dispose();
  }
}

/** importFiles over generated grey PNGs in two label folders; PNG encoding happens before timing. */
export async function runImportJob(job: ImportJob, post: Post): Promise<CpuResult> {
  const phantoms = generatePhantoms({ modality: 'chest-xray', size: job.sourceSize, count: job.files, seed: 3 });
  const pixels = job.sourceSize * job.sourceSize;
  const files: ImportFile[] = Array.from({ length: job.files }, (_, i) => {
    const folder = phantoms.classNames[phantoms.labels[i]];
    const data = phantoms.images.subarray(i * pixels, (i + 1) * pixels);
    return { name: `${i}.png`, relativePath: `${folder}/${i}.png`, bytes: encodePng({ width: job.sourceSize, height: job.sourceSize, data, channels: 1, depth: 8 }) };
  });
  const t0 = performance.now();
  const run = importFiles(files, { size: job.size, channels: 1, fit: 'crop', labels: { kind: 'folder' }, filesTotal: files.length });
  let images = 0;
  for await (const image of run.images) images += image.pixels.length > 0 ? 1 : 0;
  const totalMs = performance.now() - t0;
  post({ type: 'progress', text: `importFiles ${job.files} PNGs: ${totalMs.toFixed(0)} ms` });
  const rejected = run.report.rejected.length;
  return {
    kind: 'import',
    job,
    // A benchmark of an import that refused files would time the error path: say so.
    status: rejected > 0 || images !== job.files ? 'failed' : totalMs > job.budgetMs ? 'budget exceeded' : 'ok',
    note: rejected > 0 ? `${rejected} files rejected: ${run.report.rejected[0].reason}` : undefined,
    stages: [{ name: 'importFiles', ms: totalMs }],
    totalMs,
    filesPerSecond: (job.files * 1000) / totalMs,
    summary: { images, rejected, classes: run.classNames.join('/') },
  };
}
