/**
 * Rebuilds the built-in pretrained models the studio ships (public/pretrained/): each one trained by
 * `npm run train` (the app's own Trainer, wasm backend) on the built-in phantom generator's head CT
 * images, then exported as a run file without optimiser state (weights, run card, curves) and listed
 * in public/pretrained/index.json with its step count, training time, size and SHA-256.
 *
 *   npm run build-pretrained                 (every model; a finished run folder is reused)
 *   npm run build-pretrained -- dcgan        (one model)
 *
 * The networks have the Learn stage's classroom shape (width 16, batch 16, GAN latent 32, VAE latent
 * 16, the DDPM's U-Net at width 16, 64 px), so the classroom can start from them as well as the
 * Generate stage generate from them.
 * Run folders stay in runs/pretrained/<id> (ignored by git): delete one to train it again.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { FileStore } from './lib/fileStore';
import { RUN_ID } from './lib/trainRun';
import { exportRunFile } from '../src/runfiles/exportRunFile';
import { loadRun, saveRun } from '../src/training/runStore';
import { BUILT_IN_FORMAT, BUILT_IN_VERSION, type BuiltInManifest, type BuiltInModel } from '../src/runfiles/builtInModels';

/** The phantom generator's head CT images (the built-in dataset's modality) at a model's size. */
const dataAt = (resolution: number) => `phantom:head-ct:${resolution}:2000`;

/**
 * The step targets. The DCGAN's 874 steps are what the first build fitted in its time; with the R1
 * penalty it no longer collapses by then (README, "Built-in models"). The DDPM's 6000 steps (about
 * 40 min on one core) are what the session that trained it could spare: its grid SSIM was still
 * rising towards the real images' (0.11 at step 4000), i.e. it is not converged.
 */
const DCGAN_STEPS = 874;
const VAE_STEPS = 4000;
const DDPM_STEPS = 6000;

interface Spec {
  id: string;
  title: string;
  model: 'dcgan' | 'vae' | 'ddpm';
  resolution: number;
  /** GAN and VAE code size (a DDPM's follows from the image). */
  latent?: number;
  /** The step target: a step count, not a time budget, so the same command gives the same model anywhere. */
  steps: number;
  /** Other model settings (models/config.ts), passed as npm run train's --config. */
  config?: Record<string, unknown>;
}

/**
 * The GAN and the VAE have the Learn stage's classroom shape (width 16, batch 16, 64 px). With the
 * paper's settings alone the DCGAN's discriminator wins within 100 steps (lossD → 0.02) and the
 * generator collapses to one head, in the PyTorch mirror as in the studio; the R1 penalty on D
 * (γ = 10, Mescheder et al. 2018) keeps D from winning outright and the samples varied (README,
 * "Built-in models").
 */
export const PRETRAINED_SPECS: Spec[] = [
  { id: 'dcgan-head-ct-64', title: 'Built-in DCGAN: head CT phantoms, 64 px', model: 'dcgan', resolution: 64, latent: 32, steps: DCGAN_STEPS, config: { r1Gamma: 10 } },
  { id: 'vae-head-ct-64', title: 'Built-in VAE: head CT phantoms, 64 px', model: 'vae', resolution: 64, latent: 16, steps: VAE_STEPS },
  // The studio's DDPM defaults (cosine schedule, T = 1000, 50 DDIM passes, EMA 0.999) at the classroom's width and batch.
  { id: 'ddpm-head-ct-64', title: 'Built-in DDPM: head CT phantoms, 64 px', model: 'ddpm', resolution: 64, steps: DDPM_STEPS },
];

const OUT = join('public', 'pretrained');

function trainArgs(spec: Spec, out: string): string[] {
  const args = ['--data', dataAt(spec.resolution), '--model', spec.model, '--width', '16', '--batch', '16'];
  if (spec.latent !== undefined) args.push('--latent', String(spec.latent));
  if (spec.config) args.push('--config', JSON.stringify(spec.config));
  return [...args, '--steps', String(spec.steps), '--seed', '1', '--sample-every', '250', '--out', out];
}

const runFolder = (spec: Spec) => join('runs', 'pretrained', spec.id);

/** Trains one model with npm run train (a finished run folder is reused; an interrupted one continues). */
async function train(spec: Spec): Promise<void> {
  const out = runFolder(spec);
  const store = new FileStore(join(out, 'store'));
  const existing = existsSync(join(out, 'store')) ? await loadRun(store, RUN_ID).catch(() => null) : null;
  if (existing?.status === 'finished') {
    console.log(`${spec.id}: reusing ${out} (finished at step ${existing.step})`);
    return;
  }
  const args = existing ? ['--resume', out, '--steps', String(spec.steps)] : trainArgs(spec, out);
  console.log(`${spec.id}: npm run train -- ${args.join(' ')}`);
  const child = spawn('npx', ['tsx', 'scripts/train.ts', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.on('data', (chunk: Buffer) => process.stdout.write(chunk.toString().replace(/^(?=.)/gm, `${spec.id}: `)));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${spec.id}: training failed (exit ${code})`);
}

async function build(spec: Spec): Promise<BuiltInModel> {
  const out = runFolder(spec);
  const store = new FileStore(join(out, 'store'));
  const record = await loadRun(store, RUN_ID);
  if (record.status !== 'finished') throw new Error(`${spec.id}: the run is ${record.status} at step ${record.step}, not finished`);
  // The exact command for this many steps (no time limit): what anyone runs to get the same model.
  const command = `npm run train -- ${trainArgs(spec, out).map((a) => (a.startsWith('{') ? `'${a}'` : a)).join(' ')}`;
  // The name the studio lists; its step target is the step it reached (a time-limited run is complete).
  await saveRun(store, { ...record, settings: { ...record.settings, name: spec.title, totalSteps: record.step } });
  const file = await exportRunFile(store, RUN_ID, { includeOptimizer: false });
  const fileName = `${spec.id}.phantomrun`;
  writeFileSync(join(OUT, fileName), file.bytes);
  const trainingSeconds = Math.round(file.card.training.trainingSeconds);
  const diversity = record.samples.filter((g) => g.diversity).at(-1)?.diversity;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  if (diversity?.collapsed) console.log(`${spec.id}: its last sample grid is rated as mode collapse (grid SSIM ${diversity.fakeSsim.toFixed(2)} against ${diversity.realSsim.toFixed(2)} for real images)`);
  console.log(`${spec.id}: ${fileName}, ${(file.bytes.byteLength / 1e6).toFixed(2)} MB, step ${record.step}, ${trainingSeconds} s of training`);
  return {
    id: spec.id,
    file: fileName,
    title: spec.title,
    kind: spec.model,
    resolution: record.resolution,
    steps: record.step,
    trainedOn: `${spec.resolution} px head CT phantoms from the studio's phantom generator (2000 images, seed 1)`,
    trainingSeconds,
    backend: record.backend,
    command,
    bytes: file.bytes.byteLength,
    sha256: createHash('sha256').update(file.bytes).digest('hex'),
    ...(diversity ? { diversity: { fakeSsim: round(diversity.fakeSsim), realSsim: round(diversity.realSsim), collapsed: diversity.collapsed } } : {}),
  };
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const unknown = only.filter((name) => !PRETRAINED_SPECS.some((s) => s.model === name || s.id === name));
  if (unknown.length) throw new Error(`unknown model ${unknown.join(', ')} (known: ${PRETRAINED_SPECS.map((s) => s.model).join(', ')})`);
  mkdirSync(OUT, { recursive: true });
  const indexPath = join(OUT, 'index.json');
  const previous: BuiltInModel[] = existsSync(indexPath) ? (JSON.parse(readFileSync(indexPath, 'utf8')) as BuiltInManifest).models : [];
  const models: BuiltInModel[] = [];
  const chosen = (spec: Spec) => !only.length || only.includes(spec.model) || only.includes(spec.id);
  // The models train side by side (each npm run train is one process on one core).
  await Promise.all(PRETRAINED_SPECS.filter(chosen).map(train));
  for (const spec of PRETRAINED_SPECS) {
    if (!chosen(spec)) {
      const kept = previous.find((m) => m.id === spec.id);
      if (kept) models.push(kept);
      continue;
    }
    models.push(await build(spec));
  }
  const manifest: BuiltInManifest = { format: BUILT_IN_FORMAT, version: BUILT_IN_VERSION, models };
  writeFileSync(indexPath, `${JSON.stringify(manifest, null, 1)}\n`);
  console.log(`${indexPath}: ${models.length} models, ${(models.reduce((n, m) => n + m.bytes, 0) / 1e6).toFixed(2)} MB in all`);
}

main().catch((error: unknown) => {
  console.error(`build-pretrained: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
