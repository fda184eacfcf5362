/**
 * The work of `npm run generate`, loaded once the command line is known to be good (it pulls in
 * tfjs). The run file is imported into an in-memory store with the studio's import (same checks
 * and refusals), images are made with the studio's generator, class plan and latent scale, saved
 * as a synthetic dataset with its provenance, and written with the studio's marked exports.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { openMemoryStore } from '../../src/storage/memoryStore';
import { newDatasetId, saveDataset, type DatasetProvenance } from '../../src/storage/datasetStore';
import { loadRun } from '../../src/training/runStore';
import { importRunFile } from '../../src/runfiles/importRunFile';
import { RunFileError } from '../../src/runfiles/runFileFormat';
import { generateFromRun } from '../../src/generation/generateFromRun';
import { labelsForCounts, planCounts, type ClassPlan } from '../../src/generation/classPlan';
import { latentScaleFor } from '../../src/generation/syntheticExport';
import { exportSyntheticDataset } from '../../src/generation/export/exportSyntheticDataset';
import { assignSplits } from '../../src/importers/splits';
import { SPLITS } from '../../src/importers/types';
import { CliError } from './runCommand';
import { loadAuditSet, type AuditSet } from './auditSet';
import { auditInSlices } from '../../src/generation/auditInSlices';
import { describeExportAudit, type AuditDatasetCheck, type ExportAudit } from '../../src/generation/exportAudit';
import { saveExportAudit } from '../../src/generation/exportAuditStore';
import type { RunCard } from '../../src/runfiles/runFileFormat';
import { startBackend, type TrainBackend } from './trainRun';

export interface GenerateJob {
  runFile: string;
  request: { count: number; className?: string } | { perClass: [string, number][] };
  seed: number;
  truncation?: number;
  temperature?: number;
  format: 'zip' | 'png' | 'npz' | 'dicom';
  backend: TrainBackend;
  out: string;
  /** The run's training data as an .npz: the memorisation audit runs against it, as in the studio. */
  auditAgainst?: string;
  /** Keep the likely copies the audit finds (left out by default, as in the studio). */
  keepLikelyCopies?: boolean;
}

export interface GenerateSummary {
  run: string;
  kind: string;
  step: number;
  seed: number;
  perClass: Record<string, number>;
  format: GenerateJob['format'];
  out: string;
  files: number;
  seconds: number;
  imagesPerSecond: number;
  backend: string;
  /** The memorisation audit, or null without --audit-against. */
  audit: (Pick<ExportAudit, 'generated' | 'likelyCopies' | 'flaggedBySsim' | 'flaggedByFeatures' | 'dropped' | 'kept' | 'thresholds'> & { against: AuditDatasetCheck }) | null;
}

/** The class plan of the command line, in the studio's terms; names are checked against the run's classes. */
function planOf(request: GenerateJob['request'], classNames: string[], conditional: boolean, runFile: string): ClassPlan {
  const known = `the run's classes are ${classNames.map((c) => `"${c}"`).join(', ')}`;
  const indexOf = (name: string) => {
    if (!conditional) throw new CliError(`${runFile}: the model is unconditional (it cannot be asked for a class); use --count alone`);
    const i = classNames.indexOf(name);
    if (i < 0) throw new CliError(`${runFile}: no class "${name}"; ${known}`);
    return i;
  };
  if ('perClass' in request) {
    const counts = classNames.map(() => 0);
    for (const [name, n] of request.perClass) counts[indexOf(name)] += n;
    return { kind: 'counts', counts: conditional ? counts : [request.perClass.reduce((a, [, n]) => a + n, 0)] };
  }
  return request.className !== undefined ? { kind: 'one', classIndex: indexOf(request.className), count: request.count } : { kind: 'even', count: request.count };
}

export async function generateFromRunFile(job: GenerateJob): Promise<GenerateSummary> {
  await startBackend(job.backend);
  const store = openMemoryStore();
  let runId: string;
  try {
    runId = (await importRunFile(store, new Uint8Array(readFileSync(job.runFile)), basename(job.runFile))).runId;
  } catch (error) {
    if (error instanceof RunFileError) throw new CliError(error.message.replace(basename(job.runFile), job.runFile));
    throw error;
  }
  const run = await loadRun(store, runId);
  const conditional = run.config.numClasses > 0;
  const classes = conditional ? run.classNames : ['synthetic'];
  let counts: number[];
  let latentScale: number;
  try {
    counts = planCounts(planOf(job.request, run.classNames, conditional, job.runFile), run.classNames, conditional, []);
    latentScale = latentScaleFor(run.config.kind, { truncation: job.truncation, temperature: job.temperature });
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${job.runFile}: ${(error as Error).message}`);
  }
  const total = counts.reduce((a, b) => a + b, 0);
  // The audit's data is read and checked before any image is made, so a wrong file costs seconds.
  let auditSet: AuditSet | null = null;
  if (job.auditAgainst) {
    if (run.config.channels !== 1) throw new CliError(`--audit-against: the memorisation audit supports grey images only; this model makes RGB images`);
    auditSet = loadAuditSet(job.auditAgainst, run.config.resolution, (run.imported?.card as RunCard | undefined)?.dataset ?? null);
    if (auditSet.check.verdict === 'match') console.log(`audit data: ${auditSet.check.text}`);
    else console.error(`generate: WARNING: ${auditSet.check.text}`);
  }
  const started = performance.now();
  let lastPrint = started;
  const set = await generateFromRun(store, runId, {
    checkpoint: 'latest',
    count: total,
    seed: job.seed,
    labels: conditional ? labelsForCounts(counts) : undefined,
    latentScale,
    onBatch: (done) => {
      const now = performance.now();
      if (now - lastPrint > 2000 || done === total) {
        const rate = done / ((now - started) / 1000);
        console.log(`generated ${done} of ${total} · ${rate.toFixed(1)} images/s · ETA ${((total - done) / Math.max(rate, 1e-9)).toFixed(0)} s`);
        lastPrint = now;
      }
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const per = set.resolution * set.resolution * set.channels;

  // The studio's memorisation audit (likely copies: below both the SSIM and the radiomics
  // threshold set by the held-out images), in slices; likely copies are left out unless kept.
  let leftOut: number[] = [];
  let audit: ExportAudit | null = null;
  const auditTime = Date.now();
  if (auditSet) {
    const totals = await auditInSlices(
      { train: auditSet.train, validation: auditSet.validation, synthetic: { data: set.pixels, count: set.count, width: set.resolution, height: set.resolution } },
      (done) => console.log(`audited ${done} of ${set.count} against ${auditSet!.train.count} training and ${auditSet!.validation.count} held-out (${auditSet!.heldOutSplit}) images`),
    );
    leftOut = job.keepLikelyCopies ? [] : [...totals.flagged].sort((a, b) => a - b);
    if (leftOut.length === set.count) throw new CliError(`every generated image was flagged as a likely copy of a training image in ${job.auditAgainst}; nothing was written (--keep-likely-copies writes them anyway)`);
    audit = {
      time: auditTime,
      step: set.step,
      generated: set.count,
      likelyCopies: totals.flagged.size,
      flaggedBySsim: totals.flaggedBySsim,
      flaggedByFeatures: totals.flaggedByFeatures,
      dropped: leftOut.length,
      kept: set.count - leftOut.length,
      datasetId: '',
      thresholds: totals.thresholds,
      against: auditSet.check,
    };
    console.log(`memorisation audit: ${describeExportAudit(audit)}`);
  }
  const dropped = new Set(leftOut);
  const keptIndices = Array.from({ length: set.count }, (_, i) => i).filter((i) => !dropped.has(i));
  const keptPixels = new Uint8Array(keptIndices.length * per);
  keptIndices.forEach((i, k) => keptPixels.set(set.pixels.subarray(i * per, (i + 1) * per), k * per));
  const keptCount = keptIndices.length;

  // Saved as the studio saves a synthetic dataset, so the exports carry the same provenance and marks.
  const chunkSize = 256;
  const labels = conditional ? Uint8Array.from(keptIndices, (i) => set.labels[i]) : new Uint8Array(keptCount);
  const splits = Uint8Array.from(assignSplits(Array.from(labels, (label) => ({ label })), { seed: job.seed }), (s) => SPLITS.indexOf(s));
  const provenance: DatasetProvenance = {
    synthetic: true,
    runId,
    runName: run.settings.name,
    modelKind: run.config.kind,
    checkpoint: 'latest',
    step: set.step,
    seed: job.seed,
    ...(latentScale !== 1 && run.config.kind !== 'vae' ? { truncation: latentScale } : {}),
    ...(latentScale !== 1 && run.config.kind === 'vae' ? { temperature: latentScale } : {}),
    generatedPerClass: counts,
    realDatasetId: run.settings.datasetId,
    // Without --audit-against there is no audit record: a run file holds no training images.
    auditTime: audit ? auditTime : 0,
    // generateFromRun draws image i from imageSeed(seed, i), as the studio's export does.
    seeds: 'per-image',
    ...(leftOut.length ? { leftOut } : {}),
  };
  const id = newDatasetId();
  if (audit) await saveExportAudit(store, runId, { ...audit, datasetId: id });
  await saveDataset(
    store,
    {
      id,
      name: `Synthetic: ${run.settings.name} @ ${set.step}`,
      source: 'import',
      description: `Synthetic, ${run.config.kind} step ${set.step}, seed ${job.seed}${latentScale !== 1 ? `, latent scale ${latentScale}` : ''}, from ${basename(job.runFile)} by npm run generate; memorisation audit: ${audit ? `${audit.likelyCopies} of ${audit.generated} likely copies of training images in ${basename(job.auditAgainst!)}${job.keepLikelyCopies ? ' (kept)' : ' left out'}` : 'not run (a run file holds no training images; pass --audit-against)'}`,
      width: set.resolution,
      height: set.resolution,
      channels: set.channels,
      count: keptCount,
      classNames: classes,
      chunkSize,
      createdAt: Date.now(),
      provenance,
    },
    { labels, splits },
    Array.from({ length: Math.ceil(keptCount / chunkSize) }, (_, c) => ({ pixels: keptPixels.slice(c * chunkSize * per, Math.min(keptCount, (c + 1) * chunkSize) * per) })),
  );

  let files = 1;
  if (job.format === 'zip' || job.format === 'npz') {
    const file = await exportSyntheticDataset(store, id, job.format);
    mkdirSync(dirname(job.out), { recursive: true });
    writeFileSync(job.out, file.bytes);
  } else {
    // The studio's ZIP of PNGs or of DICOM files (one series), unpacked into the folder.
    const file = await exportSyntheticDataset(store, id, job.format === 'png' ? 'zip' : 'dicom-zip');
    const entries = unzipSync(file.bytes);
    mkdirSync(job.out, { recursive: true });
    for (const [name, bytes] of Object.entries(entries)) {
      if (name.endsWith('/')) continue;
      mkdirSync(dirname(join(job.out, name)), { recursive: true });
      writeFileSync(join(job.out, name), bytes);
    }
    files = Object.keys(entries).filter((n) => !n.endsWith('/')).length;
  }
  return {
    run: run.settings.name,
    kind: run.config.kind,
    step: set.step,
    seed: job.seed,
    perClass: Object.fromEntries(classes.map((c, i) => [c, counts[i] ?? 0]).filter(([, n]) => (n as number) > 0)),
    format: job.format,
    out: job.out,
    files,
    seconds,
    imagesPerSecond: total / seconds,
    backend: tf.getBackend(),
    audit: audit ? { generated: audit.generated, likelyCopies: audit.likelyCopies, flaggedBySsim: audit.flaggedBySsim, flaggedByFeatures: audit.flaggedByFeatures, dropped: audit.dropped, kept: audit.kept, thresholds: audit.thresholds, against: auditSet!.check } : null,
  };
}
