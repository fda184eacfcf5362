/**
 * The models the bench trains: the studio's own createModel configs (defaults for every field the
 * bench does not name), so the bench times what a user's run executes. bench/pytorch_reference.py
 * mirrors these same configs; change both together.
 */
import type { ModelConfigInput } from '../../models';
import type { BenchModelId } from './types';

/** One batch size for all models so images/s compare across them; the app's defaults are 32–64. */
export const BENCH_BATCH = 16;

/** cWGAN-GP conditions on two classes, as the phantom data sets have (normal / abnormal). */
export const BENCH_CLASSES = 2;

export const BENCH_MODELS: Record<BenchModelId, { label: string; input: ModelConfigInput }> = {
  dcgan28: { label: 'DCGAN-28', input: { kind: 'dcgan', resolution: 28, batchSize: BENCH_BATCH } },
  dcgan64: { label: 'DCGAN-64', input: { kind: 'dcgan', resolution: 64, batchSize: BENCH_BATCH } },
  cwgangp64: { label: 'cWGAN-GP-64', input: { kind: 'wgan-gp', resolution: 64, batchSize: BENCH_BATCH, numClasses: BENCH_CLASSES } },
  vae64: { label: 'VAE-64', input: { kind: 'vae', resolution: 64, batchSize: BENCH_BATCH } },
  // models/ gains kind 'ddpm' in parallel work; until then createModel rejects it and the bench
  // reports the row as "not available". The cast is needed only while ModelKind lacks 'ddpm'.
  ddpm32: { label: 'DDPM-32', input: { kind: 'ddpm', resolution: 32, batchSize: BENCH_BATCH } as unknown as ModelConfigInput },
};
