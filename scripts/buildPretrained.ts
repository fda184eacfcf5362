/**
 * Rebuilds the built-in pretrained models the studio ships (public/pretrained/): each one trained by
 * `npm run train` (the app's own Trainer, wasm backend) on the built-in phantom generator's head CT
 * images, then exported as a run file without optimiser state (weights, run card, curves) and listed
 * in public/pretrained/index.json with its step count, training time, size and SHA-256.
 *
 * A model with `pytorchSteps` then continues in PyTorch: the run file (with its Adam state) goes to
 * python/train.py, the maintained mirror of models/ that the parity tests hold to the studio step for
 * step, which trains it on the same phantoms (written to <run folder>/train.npz) to that many steps, and
 * its last checkpoint is imported back into the run folder (`npm run train -- --resume --import`), so
 * the run card's training segments say which steps ran where. The round trip a research group makes
 * (issue 12); here it is for speed: PyTorch's CPU step is about 3× faster than wasm's on this kind of
 * machine (BENCHMARKS.md), which is the difference between a smeared and a recognisable DDPM.
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
import { loadTrainingSet } from './lib/trainingSet';
import { latestPytorchCheckpoint } from './lib/pytorchCheckpoints';
import { writeNpz } from '../src/importers/npy';
import { RUN_ID, startBackend } from './lib/trainRun';
import { generateFromRun } from '../src/generation/generateFromRun';
import { labelsForCounts } from '../src/generation/classPlan';
import { isCollapsed, withinClassSsim } from '../src/training/quality';
import type { GridDiversity, RunRecord } from '../src/training/runTypes';
import { exportRunFile } from '../src/runfiles/exportRunFile';
import { loadRun, saveRun } from '../src/training/runStore';
import { BUILT_IN_FORMAT, BUILT_IN_VERSION, type BuiltInManifest, type BuiltInModel } from '../src/runfiles/builtInModels';

/** The phantom generator's head CT images (the built-in dataset's modality) at a model's size. */
const dataAt = (resolution: number) => `phantom:head-ct:${resolution}:2000`;

/**
 * The step targets. The DCGAN (R1 penalty on D, so it does not collapse) and the VAE train in the
 * studio's engine, which is faster than PyTorch's CPU step for them here (BENCHMARKS.md); the DCGAN's
 * grid SSIM fell towards the real images' up to 3000 steps (0.59 at 250, 0.38 at 1000, 0.32 at 3000;
 * real 0.29). The DDPM takes a few hundred steps in the studio (which creates the run) and the rest in
 * PyTorch, about 3× faster per step on this kind of CPU. The first build (a 3-level U-Net, 6000 steps
 * in the studio) drew a third of its samples as frame-filling texture; the cause was the starting
 * noise's mean (models/ddpm.ts, centredNoise), not the network, and more steps (12,500) did not
 * change it. The 4th U-Net level (8 × 8) was tried for it and kept: at 10,000 steps its heads were
 * sharper by eye than the 3-level net's at 12,500.
 */
const DCGAN_STEPS = 6000;
const VAE_STEPS = 12000;
const DDPM_STUDIO_STEPS = 250;
const DDPM_PYTORCH_STEPS = 20000;

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
  /** Continue in PyTorch (python/train.py, CPU) from `steps` to this many steps in all, then import back. */
  pytorchSteps?: number;
}

/** Debian's Python, which has torch (the pyenv one on PATH does not); PHANTOM_PYTHON overrides it. */
const PYTHON = process.env.PHANTOM_PYTHON ?? '/usr/bin/python3';
/** Steps between the PyTorch stage's checkpoints: an interrupted build continues from the last one. */
const PYTORCH_CHECKPOINT_EVERY = 2500;

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
  // The studio's DDPM defaults (cosine schedule, T = 1000, 50 DDIM passes, EMA 0.999) at the classroom's
  // width and batch, with a 4th U-Net level (the classroom takes any U-Net depth from a pretrained run).
  { id: 'ddpm-head-ct-64', title: 'Built-in DDPM: head CT phantoms, 64 px', model: 'ddpm', resolution: 64, steps: DDPM_STUDIO_STEPS,
    pytorchSteps: DDPM_PYTORCH_STEPS, config: { channelMultipliers: [1, 2, 2, 2] } },
];

const OUT = join('public', 'pretrained');

function trainArgs(spec: Spec, out: string): string[] {
  const args = ['--data', dataAt(spec.resolution), '--model', spec.model, '--width', '16', '--batch', '16'];
  if (spec.latent !== undefined) args.push('--latent', String(spec.latent));
  if (spec.config) args.push('--config', JSON.stringify(spec.config));
  return [...args, '--steps', String(spec.steps), '--seed', '1', '--sample-every', '250', '--out', out];
}

const runFolder = (spec: Spec) => join('runs', 'pretrained', spec.id);

/** Runs a command, its output prefixed with the model's id; rejects on a non-zero exit. */
async function run(spec: Spec, command: string, args: string[]): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.on('data', (chunk: Buffer) => process.stdout.write(chunk.toString().replace(/^(?=.)/gm, `${spec.id}: `)));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${spec.id}: ${command} ${args.join(' ')} failed (exit ${code})`);
}

/** The step a model is finished at: its PyTorch target where it has one. */
const finalStep = (spec: Spec) => spec.pytorchSteps ?? spec.steps;

/** Trains one model with npm run train (a finished run folder is reused; an interrupted one continues), then its PyTorch stage. */
async function train(spec: Spec): Promise<void> {
  const out = runFolder(spec);
  const store = new FileStore(join(out, 'store'));
  const existing = existsSync(join(out, 'store')) ? await loadRun(store, RUN_ID).catch(() => null) : null;
  if (existing?.status === 'finished' && existing.step >= finalStep(spec)) {
    console.log(`${spec.id}: reusing ${out} (finished at step ${existing.step})`);
    return;
  }
  if (!(existing?.status === 'finished' && existing.step >= spec.steps)) {
    const args = existing ? ['--resume', out, '--steps', String(spec.steps)] : trainArgs(spec, out);
    console.log(`${spec.id}: npm run train -- ${args.join(' ')}`);
    await run(spec, 'npx', ['tsx', 'scripts/train.ts', ...args]);
  }
  if (spec.pytorchSteps !== undefined) await continueInPyTorch(spec, spec.pytorchSteps);
}

/** The PyTorch stage: python/train.py from the run folder's run file (or its last checkpoint) to `steps`, imported back. */
async function continueInPyTorch(spec: Spec, steps: number): Promise<void> {
  const out = runFolder(spec);
  const data = join(out, 'train.npz');
  if (!existsSync(data)) {
    const set = loadTrainingSet(dataAt(spec.resolution));
    const count = set.labels.length;
    writeFileSync(data, writeNpz({
      train_images: { data: set.images, shape: [count, set.size, set.size] },
      train_labels: { data: set.labels, shape: [count, 1] },
    }));
  }
  const checkpoints = join(out, 'pytorch');
  const latest = latestPytorchCheckpoint(checkpoints);
  const from = latest && latest.step > spec.steps ? latest.path : join(out, 'run.phantomrun');
  if (!latest || latest.step < steps) {
    const args = [join('python', 'train.py'), '--run', from, '--data', data, '--steps', String(steps), '--out', checkpoints,
      '--checkpoint-every', String(PYTORCH_CHECKPOINT_EVERY), '--log-every', '250', '--device', 'cpu'];
    console.log(`${spec.id}: ${PYTHON} ${args.join(' ')}`);
    await run(spec, PYTHON, args);
  }
  const last = latestPytorchCheckpoint(checkpoints);
  if (!last || last.step < steps) throw new Error(`${spec.id}: python/train.py wrote no checkpoint at step ${steps} in ${checkpoints}`);
  console.log(`${spec.id}: npm run train -- --resume ${out} --import ${last.path}`);
  await run(spec, 'npx', ['tsx', 'scripts/train.ts', '--resume', out, '--import', last.path]);
}

/**
 * The collapse rating at the run's last step: the trainer's, or where the PyTorch stage trained on
 * after the last grid (it draws none), the same rating of a grid's worth of images from the final
 * weights against the trainer's real grid.
 */
async function finalDiversity(store: FileStore, record: RunRecord): Promise<GridDiversity | undefined> {
  const last = record.samples.filter((g) => g.diversity).at(-1)?.diversity;
  if (!last || last.step === record.step) return last;
  await startBackend('wasm');
  const { numClasses } = record.config;
  const labels = numClasses > 0 ? labelsForCounts(new Array<number>(numClasses).fill(record.settings.samplesPerClass)) : undefined;
  const count = labels?.length ?? record.settings.samplesPerClass;
  const set = await generateFromRun(store, RUN_ID, { checkpoint: 'latest', count, seed: record.settings.seed, labels });
  const fakeSsim = withinClassSsim({ pixels: set.pixels, labels: set.labels, side: set.resolution, channels: set.channels });
  return { step: record.step, fakeSsim, realSsim: last.realSsim, collapsed: isCollapsed(fakeSsim, last.realSsim, record.step) };
}

async function build(spec: Spec): Promise<BuiltInModel> {
  const out = runFolder(spec);
  const store = new FileStore(join(out, 'store'));
  const record = await loadRun(store, RUN_ID);
  if (record.step < finalStep(spec)) throw new Error(`${spec.id}: the run is ${record.status} at step ${record.step}, not finished at ${finalStep(spec)}`);
  // The exact commands for this many steps (no time limit): what anyone runs to get the same model.
  const trainCommand = `npm run train -- ${trainArgs(spec, out).map((a) => (a.startsWith('{') ? `'${a}'` : a)).join(' ')}`;
  const command = spec.pytorchSteps === undefined ? trainCommand : `${trainCommand}; then python3 python/train.py --run ${out}/run.phantomrun `
    + `--data ${out}/train.npz --steps ${spec.pytorchSteps} --out ${out}/pytorch --device cpu; then npm run train -- --resume ${out} `
    + `--import <its last checkpoint> (npm run build-pretrained -- ${spec.model} runs all three)`;
  // The name the studio lists; its step target is the step it reached (a time-limited run is complete).
  await saveRun(store, { ...record, settings: { ...record.settings, name: spec.title, totalSteps: record.step } });
  const file = await exportRunFile(store, RUN_ID, { includeOptimizer: false });
  const fileName = `${spec.id}.phantomrun`;
  writeFileSync(join(OUT, fileName), file.bytes);
  const trainingSeconds = Math.round(file.card.training.trainingSeconds);
  const diversity = await finalDiversity(store, record);
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
    // What the studio shows as "trained N min on <backend>": every engine that trained it.
    backend: spec.pytorchSteps === undefined ? record.backend : `${record.backend} (first ${spec.steps} steps), then PyTorch on the CPU`,
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
