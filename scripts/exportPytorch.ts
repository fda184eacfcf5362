/**
 * `npm run export-pytorch -- --run <file.phantomrun> --out DIR [--data data.npz]`: a ready PyTorch
 * project from a studio run file (the same files as the model library's "PyTorch project" button,
 * src/export/pytorchProject.ts): phantom_models.py, train.py, the run file, its run card, the data
 * when given, and a README with the two commands. --out ending in .zip writes one ZIP instead.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { projectRunFromCard, pytorchProjectFiles, runFileNameFor, pytorchProjectZip, type RunCardFields } from '../src/export/pytorchProject';
import { UsageError, type CommandSpec, type ParsedCommandLine } from './lib/args';
import { CliError, startCommand } from './lib/runCommand';

const PYTHON_DIR = resolve(import.meta.dirname, '..', 'python');

const SPEC = {
  name: 'export-pytorch',
  usage: '--run <file.phantomrun> --out <folder|file.zip> [--data <dataset.npz>]',
  about:
    'Writes a PyTorch project that continues training a studio run on your own machines (CPU, one GPU, or\n' +
    'torchrun with DistributedDataParallel): phantom_models.py, train.py, the run file and its run card,\n' +
    'a README with the commands, and --data copied in as data.npz (the run\'s dataset, MedMNIST layout).\n' +
    'train.py writes checkpoints as run files the studio imports.',
  options: {
    run: { type: 'string', placeholder: '<file.phantomrun>', help: 'a run file exported from the studio (model library) or by npm run train' },
    out: { type: 'string', placeholder: '<folder|file.zip>', help: 'a new or empty folder, or a .zip file' },
    data: { type: 'string', placeholder: '<dataset.npz>', help: 'the run\'s dataset as a MedMNIST-layout npz, included as data.npz (optional)' },
  },
} as const satisfies CommandSpec;

/** The run card of a run file, checked just enough to name what is wrong; the studio's import checks the rest. */
function readCard(path: string, bytes: Uint8Array): { card: RunCardFields; json: string } {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter: (file) => file.name === 'runcard.json' || file.name === 'manifest.json' });
  } catch (error) {
    throw new CliError(`${path}: not a run file (not a ZIP archive: ${(error as Error).message})`);
  }
  if (!entries['manifest.json'] || !entries['runcard.json']) throw new CliError(`${path}: not a run file (it lacks manifest.json or runcard.json)`);
  const json = strFromU8(entries['runcard.json']);
  const card = JSON.parse(json) as RunCardFields;
  if (!card?.model?.config || !card.checkpoint || !card.run) throw new CliError(`${path} › runcard.json: not a Phantom Studio run card`);
  return { card, json };
}

async function exportPytorch({ options }: ParsedCommandLine<typeof SPEC>): Promise<void> {
  if (!options.run) throw new UsageError('--run is required: the run file to export');
  if (!options.out) throw new UsageError('--out is required: a new folder or a .zip file');
  if (!existsSync(options.run)) throw new CliError(`${options.run}: no such file`);
  if (options.data && !existsSync(options.data)) throw new CliError(`${options.data}: no such file`);
  const runFile = new Uint8Array(readFileSync(options.run));
  const { card, json } = readCard(options.run, runFile);
  const input = {
    run: projectRunFromCard(card),
    runFile,
    runCardJson: json,
    sources: {
      phantomModels: readFileSync(join(PYTHON_DIR, 'phantom_models.py'), 'utf8'),
      trainPy: readFileSync(join(PYTHON_DIR, 'train.py'), 'utf8'),
    },
    data: options.data ? new Uint8Array(readFileSync(options.data)) : null,
  };
  if (options.out.endsWith('.zip')) {
    writeFileSync(options.out, pytorchProjectZip(input, basename(options.out, '.zip')));
    console.log(`wrote ${options.out}`);
    return;
  }
  if (existsSync(options.out) && readdirSync(options.out).length > 0) throw new CliError(`${options.out} is not empty; choose a new folder`);
  mkdirSync(options.out, { recursive: true });
  for (const [name, bytes] of Object.entries(pytorchProjectFiles(input))) writeFileSync(join(options.out, name), bytes);
  console.log(`wrote ${options.out}: ${Object.keys(pytorchProjectFiles(input)).join(', ')}`);
  const data = options.data ? 'data.npz' : '<dataset.npz>';
  console.log(`next: cd ${options.out} && python train.py --run ${runFileNameFor(input.run)} --data ${data} --steps ${input.run.step + 2000} --out checkpoints  (README.md has the torchrun form)`);
}

startCommand(SPEC, exportPytorch);
