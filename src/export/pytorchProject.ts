/**
 * The PyTorch project a run exports to: everything a research group needs to continue training on
 * its own GPUs with PyTorch's DistributedDataParallel and bring the weights back, offline.
 *
 *   phantom_models.py   the studio's networks in PyTorch, layer for layer (python/phantom_models.py)
 *   train.py            continues training from the run file (python/train.py): CPU, one GPU, or torchrun
 *   <name>.phantomrun   the run file: weights (safetensors), Adam state, run card, SHA-256 per part
 *   runcard.json        the run card, readable without unpacking anything
 *   data.npz            the run's dataset, MedMNIST layout (only when the user includes it)
 *   README.md           the two commands
 *
 * Pure: the Python sources come in as text (the app bundles them with Vite's ?raw, the command line
 * reads them from python/), so the same files are written by both.
 */
import { strToU8, zipSync } from 'fflate';

export interface PytorchProjectSources {
  phantomModels: string;
  trainPy: string;
}

/** What the README and the file names need to know about the run. */
export interface PytorchProjectRun {
  name: string;
  kind: string;
  step: number;
  batchSize: number;
  classNames: readonly string[];
  conditional: boolean;
}

export interface PytorchProjectInput {
  run: PytorchProjectRun;
  runFile: Uint8Array;
  runCardJson: string;
  sources: PytorchProjectSources;
  /** The run's dataset as a MedMNIST-layout npz; null leaves the data out (the user brings it). */
  data: Uint8Array | null;
}

/** A file name from a run name: letters, digits, '-' and '_' only, never empty. */
export function safeFileStem(name: string): string {
  const stem = name.normalize('NFKD').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
  return stem || 'run';
}

export function runFileNameFor(run: PytorchProjectRun): string {
  return `${safeFileStem(run.name)}.phantomrun`;
}

/** The project's files by name. */
export function pytorchProjectFiles(input: PytorchProjectInput): Record<string, Uint8Array> {
  const runFile = runFileNameFor(input.run);
  const files: Record<string, Uint8Array> = {
    'phantom_models.py': strToU8(input.sources.phantomModels),
    'train.py': strToU8(input.sources.trainPy),
    [runFile]: input.runFile,
    'runcard.json': strToU8(input.runCardJson),
    'README.md': strToU8(projectReadme(input.run, runFile, input.data !== null)),
  };
  if (input.data) files['data.npz'] = input.data;
  return files;
}

/** The project as one ZIP (the app's download); the npz and run file are stored, not recompressed. */
export function pytorchProjectZip(input: PytorchProjectInput, folder = `${safeFileStem(input.run.name)}-pytorch`): Uint8Array {
  const files = pytorchProjectFiles(input);
  const entries: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
  for (const [name, bytes] of Object.entries(files))
    entries[`${folder}/${name}`] = [bytes, { level: name.endsWith('.npz') || name.endsWith('.phantomrun') ? 0 : 6 }];
  return zipSync(entries);
}

export function projectReadme(run: PytorchProjectRun, runFile: string, withData: boolean): string {
  const data = withData ? 'data.npz' : 'YOUR_DATA.npz';
  const target = run.step + 2000;
  const classes = run.conditional ? `conditional on ${run.classNames.map((c) => `\`${c}\``).join(', ')}` : 'unconditional';
  return `# ${run.name}: continue training in PyTorch

A ${run.kind} run from Phantom Studio at step ${run.step} (${classes}), exported with the studio's
networks in PyTorch (\`phantom_models.py\`, checked against the studio layer for layer) and a
training script. Needs Python 3 with PyTorch 1.13 or newer and NumPy. Nothing here uses the network.

On one machine (a GPU when there is one, else the CPU):

\`\`\`sh
python train.py --run ${runFile} --data ${data} --steps ${target} --out checkpoints
\`\`\`

On N GPUs of one machine (DistributedDataParallel; on CPUs it uses the gloo backend):

\`\`\`sh
torchrun --nnodes 1 --rdzv_backend c10d --rdzv_endpoint localhost:0 --nproc_per_node N train.py --run ${runFile} --data ${data} --steps ${target} --out checkpoints
\`\`\`

\`localhost:0\` lets torchrun pick a free port, so two jobs at once on one machine do not collide
(\`--standalone\` does the same from PyTorch 2.1; before that it uses port 29400 for every job, and a
second job fails when the first one ends). For several machines, see PyTorch's torchrun
documentation (\`--nnodes\`, \`--rdzv_endpoint HOST:PORT\`).

${withData ? '`data.npz` is the run\'s dataset as the studio exported it.' : `The data was not included: pass the run's dataset as a MedMNIST-layout npz (\`train_images\` uint8 of the run's size, \`train_labels\`${run.conditional ? ', `class_names` in the order ' + run.classNames.join(', ') : ''}), e.g. the studio's Data → Export npz.`}
\`--steps\` is the total the run should reach. Each process trains on its share of the data with the
run's batch size (${run.batchSize}), so a step under torchrun sees N × ${run.batchSize} images; when the data holds
fewer than N × ${run.batchSize} images, each process draws its batches from all of them with replacement, as
the studio does. Training continues from the run's Adam state when the run file carries it.

With Debian's PyTorch 1.13 on Python 3.12, torchrun stops at start with \`'NoneType' object has no
attribute 'get'\` (its default \`--redirects 0\` no longer parses there): add \`--redirects 1 --tee 1\`.

\`checkpoints/*-stepN.phantomrun\` (every \`--checkpoint-every\` steps and at the end) are run files:
import one in the studio's model library to generate, evaluate, audit and export from it. In the studio
this run came from, importing continues the run in place (or, if you choose, makes a new run). The run
card inside records which steps were trained where (the studio, or here on which devices).
`;
}

/** The fields of a run card (src/runfiles/runFileFormat.ts RunCard) the project needs. */
export interface RunCardFields {
  run: { name: string };
  model: { kind: string; config: { batchSize: number; numClasses: number } };
  checkpoint: { step: number };
  training: { classNames: string[] };
}

export function projectRunFromCard(card: RunCardFields): PytorchProjectRun {
  return {
    name: card.run.name,
    kind: card.model.kind,
    step: card.checkpoint.step,
    batchSize: card.model.config.batchSize,
    classNames: card.training.classNames,
    conditional: card.model.config.numClasses > 0,
  };
}
