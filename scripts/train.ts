/**
 * Trains a studio model from the command line with the app's own Trainer, on the wasm backend (our
 * training kernels) or cpu, and keeps the run in its --out folder: record, checkpoints, sample grids
 * and curves, so it can be resumed and sampled later.
 *
 *   npm run train -- --data data.npz --model dcgan --minutes 20 --out runs/dcgan
 *   npm run train -- --resume runs/dcgan --steps 20000      (continue to step 20000)
 *   npm run train -- --resume runs/dcgan --sample 1000      (1000 images from the newest checkpoint)
 *   npm run train -- --resume runs/dcgan --import checkpoints/dcgan-step9000.phantomrun [--steps 20000]
 *                                  (continue the run in place from a checkpoint PyTorch's train.py wrote)
 *
 * Everything on the command line is checked here, before tfjs and its wasm backend load, so a typo
 * costs one line and no start-up.
 */
import type { ModelKind } from '../models/types';
import type { RunSettings } from '../src/training/runTypes';
import { UsageError, type CommandSpec, type ParsedCommandLine } from './lib/args';
import { CliError, startCommand } from './lib/runCommand';
import { checkConditional, checkDataSpec, describeClasses, loadTrainingSet } from './lib/trainingSet';
import { DEFAULT_CONFIGS } from '../models/config';

/** Every model kind, checked against models/types.ts at compile time (no tfjs import at run time). */
const MODEL_KINDS = ['dcgan', 'wgan-gp', 'pggan', 'vae', 'ddpm'] as const satisfies readonly ModelKind[];
type MissingKinds = Exclude<ModelKind, (typeof MODEL_KINDS)[number]>;
const allKindsListed: [MissingKinds] extends [never] ? true : MissingKinds = true;
void allKindsListed;

const DEFAULT_STEPS = 100_000;

const TRAIN_SPEC = {
  name: 'train',
  usage: '--data <file.npz|phantom:head-ct:64:2000> --model dcgan [--minutes 20 | --steps N] --out runs/x   |   --resume runs/x [--import file.phantomrun] [--steps N] [--minutes M] [--sample N]',
  about:
    'Trains on the train split of an .npz (from npm run convert or the studio\'s export) or on generated phantoms,\n' +
    'and keeps the run in --out: run.json (record and curves), metrics.csv, sample grids (PNG) and, under store/,\n' +
    'the checkpoints --resume continues from, and run.phantomrun (the studio\'s run file: import it in the studio or\n' +
    'npm run generate -- --run it). --sample N writes N generated images as an npz for npm run metrics\n' +
    '(with --resume and no --steps/--minutes it only samples).',
  options: {
    data: { type: 'string', placeholder: '<file.npz|phantom:MOD:SIZE:COUNT>', accepts: 'an .npz or phantom:MODALITY:SIZE:COUNT', check: checkDataSpec, help: 'training images (new runs)' },
    model: { type: 'choice', choices: MODEL_KINDS, default: 'dcgan', help: 'model kind (new runs)' },
    conditional: { type: 'flag', help: 'condition on the classes (needs labels: convert with --folder-labels or --labels)' },
    steps: { type: 'integer', min: 1, help: `train up to this step (new runs: default ${DEFAULT_STEPS}; --resume: a new total)` },
    minutes: { type: 'number', above: 0, help: 'stop after this much training time; the run ends as finished' },
    batch: { type: 'integer', min: 2, help: 'batch size (default: the model\'s)' },
    width: { type: 'integer', min: 1, help: 'network width (default: the model\'s)' },
    latent: { type: 'integer', min: 1, help: 'latent code size of a GAN or VAE (default: the model\'s; a DDPM\'s follows from the image size)' },
    config: {
      type: 'string',
      placeholder: '<json>',
      accepts: 'a JSON object of model settings',
      check: checkConfigJson,
      help: 'other model settings of models/config.ts, e.g. \'{"labelSmoothing":0.1,"adam":{"learningRate":1e-4}}\' (new runs)',
    },
    seed: { type: 'integer', min: 0, default: 1, help: 'seeds weights, batches and the fixed sample noise (new runs)' },
    'sample-every': { type: 'integer', min: 1, default: 500, help: 'steps between sample grids and checkpoints (new runs)' },
    backend: { type: 'choice', choices: ['wasm', 'cpu', 'webgpu'], default: 'wasm', help: 'tfjs backend (webgpu: a GPU through Dawn\'s Node binding, Vulkan/Metal/D3D12)' },
    out: { type: 'string', placeholder: '<folder>', help: 'run folder of a new run (must not hold a run yet)' },
    resume: { type: 'string', placeholder: '<run folder>', help: 'continue the run kept in this folder' },
    sample: { type: 'integer', min: 1, placeholder: '<count>', help: 'write this many generated images to <run folder>/sampled-stepN.npz' },
    import: {
      type: 'string',
      placeholder: '<file.phantomrun>',
      help: 'with --resume: continue the run in place from a run file that continues it (a checkpoint train.py wrote from its run.phantomrun, in PyTorch); trains on only with --steps/--minutes',
    },
  },
} as const satisfies CommandSpec;

/** Options that define a run: fixed once it exists. */
const RUN_DEFINING = ['data', 'model', 'conditional', 'batch', 'width', 'latent', 'config', 'seed', 'sample-every', 'out'] as const;

/** Keys --config may set: any model setting (of any kind; the model's own check refuses what does not fit). */
const CONFIG_KEYS = new Set(Object.values(DEFAULT_CONFIGS).flatMap((c) => Object.keys(c)).filter((k) => k !== 'kind'));

/** --config must be a JSON object of known model settings; returns what is wrong, or null. */
function checkConfigJson(text: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not JSON (${error instanceof Error ? error.message : String(error)})`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const unknown = Object.keys(value).filter((k) => !CONFIG_KEYS.has(k));
  return unknown.length ? `unknown model setting ${unknown.join(', ')} (known: ${[...CONFIG_KEYS].join(', ')})` : null;
}

async function train({ options: args, given }: ParsedCommandLine<typeof TRAIN_SPEC>): Promise<void> {
  const commandLine = process.argv.slice(2);
  let job: import('./lib/trainRun').TrainJob;
  if (args.resume) {
    const fixed = RUN_DEFINING.filter((name) => given.has(name));
    if (fixed.length > 0) throw new UsageError(`${fixed.map((n) => `--${n}`).join(', ')} cannot be combined with --resume: a resumed run keeps its data, model and settings (change --steps, --minutes, --backend or --sample)`);
    const onlyAfterwards = args.sample !== undefined || args.import !== undefined;
    const trainMore = !(onlyAfterwards && args.steps === undefined && args.minutes === undefined);
    job = { kind: 'resume', out: args.resume, backend: args.backend, minutes: args.minutes, sample: args.sample, steps: args.steps, train: trainMore, importFile: args.import, commandLine };
  } else {
    if (args.import) throw new UsageError('--import continues an existing run: give its folder with --resume');
    if (!args.data) throw new UsageError('--data is required for a new run (an .npz, or phantom:MODALITY:SIZE:COUNT); or continue a run with --resume <folder>');
    if (!args.out) throw new UsageError('--out is required for a new run: the folder that keeps its record, checkpoints and sample grids');
    const data = loadTrainingSet(args.data);
    console.log(`data: ${args.data}: ${data.labels.length} training images at ${data.size} px; ${describeClasses(data)}`);
    if (args.conditional) checkConditional(data, args.data);
    // --config first: the dedicated flags (--batch, --width, --latent, --seed) win over it.
    const model: Record<string, unknown> = { ...(args.config ? (JSON.parse(args.config) as Record<string, unknown>) : {}), kind: args.model, seed: args.seed };
    if (args.batch !== undefined) model.batchSize = args.batch;
    if (args.width !== undefined) model.width = args.width;
    if (args.latent !== undefined) {
      if (args.model === 'ddpm') throw new UsageError('--latent does not apply to ddpm: its starting noise has the image\'s size');
      model.latentDim = args.latent;
    }
    if (args.conditional) model.numClasses = data.classNames.length;
    const settings: RunSettings = {
      name: `${args.model} on ${args.data}`,
      datasetId: 'data',
      model: model as RunSettings['model'],
      totalSteps: args.steps ?? DEFAULT_STEPS,
      readbackEvery: 25,
      sampleEvery: args['sample-every'],
      checkpointEvery: args['sample-every'],
      keepCheckpoints: 2,
      samplesPerClass: args.conditional ? 8 : 16,
      seed: args.seed,
    };
    job = { kind: 'new', out: args.out, backend: args.backend, minutes: args.minutes, sample: args.sample, data, dataSpec: args.data, settings, conditional: args.conditional, commandLine };
  }
  // tfjs, its wasm backend and the trainer load only now that the command line is known to be good.
  const { runTrainJob } = await import('./lib/trainRun');
  const summary = await runTrainJob(job);
  console.log(JSON.stringify(summary));
  if (summary.status === 'failed') throw new CliError(summary.message ?? 'training failed');
}

startCommand(TRAIN_SPEC, train);
