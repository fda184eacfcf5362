/**
 * One (backend, model kind, resolution) generation benchmark inside the bench worker: `count`
 * images through the Generate stage's own path (renderSeeds: per-image seeds, batches of 32,
 * pixels downloaded as bytes), on a freshly initialised model of the studio's default config for
 * that kind (generation costs the same whatever the weights). PG-GAN is put at its final phase,
 * so it renders at full resolution like a finished run. DDPM runs its default DDIM steps.
 */
import { createModel } from '../../models';
import type { GenerativeModel } from '../../models';
import { activateBackend } from '../compute/tfBackends';
import { imageSeed } from '../generation/imageSeeds';
import { renderSeeds } from '../generation/renderSeeds';
import { BENCH_CLASSES } from './benchModels';
import { median } from './stats';
import type { GenerateJob, GenerateResult, WorkerEvent } from './types';
import { errorMessage } from '../core/errorMessage';

const REPEATS = 3;

export async function runGenerateJob(job: GenerateJob, post: (event: WorkerEvent) => void): Promise<GenerateResult> {
  const result: GenerateResult = { kind: 'generate', job, status: 'ok', repeatsMs: [] };
  const activation = await activateBackend(job.backend);
  if (!activation.ok) return { ...result, status: 'failed', note: `backend did not start: ${activation.error}` };
  let model: GenerativeModel;
  try {
    // Class-conditional, as a rare-class export is (the VAE too: it conditions its encoder and decoder).
    model = createModel({ kind: job.model, resolution: job.resolution, numClasses: BENCH_CLASSES });
    if (model.kind === 'pggan') model.importState({ ...(await model.exportState()), step: 1_000_000 });
  } catch (error) {
    return { ...result, status: 'failed', note: errorMessage(error) };
  }
  result.config = model.config;
  const seeds = Array.from({ length: job.count }, (_, i) => imageSeed(1, i));
  const labels = Int32Array.from({ length: job.count }, (_, i) => i % BENCH_CLASSES);
  const once = async (first: boolean) => {
    const t0 = performance.now();
    const controls = job.sampler ? { sampler: job.sampler, ...(job.samplingSteps ? { samplingSteps: job.samplingSteps } : {}) } : {};
    await renderSeeds(model, false, seeds, labels, controls, (done) => {
      if (!first) return;
      // A first call the page must cut short still leaves a measured rate: images done / time so far.
      const ms = performance.now() - t0;
      post({ type: 'partial', result: { ...result, firstCallImagesDone: done, imagesPerSecond: done / (ms / 1000), note: `first call: ${done} of ${job.count} images in ${(ms / 1000).toFixed(0)} s` } });
      post({ type: 'progress', text: `  ${done} of ${job.count} images: ${ms.toFixed(0)} ms` });
    });
    const ms = performance.now() - t0;
    // The first call counts as the warm-up: the page's budget starts when it ends.
    post({ type: 'progress', text: `generate ${job.count} ${job.model} at ${job.resolution} px: ${ms.toFixed(0)} ms`, ...(first ? { stepMs: [ms], warmup: true } : {}) });
    return ms;
  };
  try {
    const started = performance.now();
    result.firstMs = await once(true);
    result.firstCallImagesDone = job.count;
    // The budget counts from the end of the first call (shader compilation, wasm warm-up).
    const from = performance.now();
    // A first call longer than the whole budget (DDPM at 128 px) is not repeated: a repeat would outlast the page's wait.
    while (result.firstMs < job.budgetMs && result.repeatsMs.length < REPEATS && performance.now() - from < job.budgetMs) {
      result.repeatsMs.push(await once(false));
      post({ type: 'partial', result: { ...result, medianMs: median(result.repeatsMs), imagesPerSecond: job.count / (median(result.repeatsMs) / 1000) } });
    }
    result.medianMs = result.repeatsMs.length > 0 ? median(result.repeatsMs) : null;
    const typical = result.medianMs ?? result.firstMs;
    result.imagesPerSecond = job.count / (typical / 1000);
    if (result.repeatsMs.length === 0) {
      result.status = 'budget exceeded';
      result.note = `the first call took ${((performance.now() - started) / 1000).toFixed(0)} s, past the budget; images/s from it`;
    }
  } catch (error) {
    return { ...result, status: 'failed', note: errorMessage(error) };
  } finally {
    model.dispose();
  }
  return result;
}
