/**
 * Synthetic images from a run file (.phantomrun, written by the studio's export or by npm run train),
 * on the studio's own code: the run file's import checks, the class plan, the generator, the latent
 * scale (GAN truncation ψ, VAE temperature) and the marked exports (PNG tEXt, DICOM SYN, run card).
 *
 *   npm run generate -- --run run.phantomrun --count 500 --class pneumonia --seed 1 --format zip --out synth.zip
 *   npm run generate -- --run run.phantomrun --per-class normal=100,pneumonia=400 --format dicom --out dicom/
 *
 * --format zip and npz write one file; png and dicom write a folder of files (with labels.csv,
 * run_card.json and audit.json beside them, as in the studio's ZIPs). A run file holds no training
 * images, so the memorisation audit the studio runs before saving needs them given:
 * --audit-against data.npz (the npz npm run convert wrote and the run trained on) audits the images
 * as the studio does, leaves the likely copies out (unless --keep-likely-copies) and writes the
 * audit into audit.json; the file is checked against the run card's dataset fingerprint first and a
 * mismatch is warned about. Without it audit.json is null and the run card says so.
 *
 *   npm run generate -- --run run.phantomrun --count 500 --audit-against data.npz --out synth.zip
 */
import { UsageError, type CommandSpec, type ParsedCommandLine } from './lib/args';
import { CliError, startCommand } from './lib/runCommand';

const GENERATE_SPEC = {
  name: 'generate',
  usage: '--run <file.phantomrun> (--count N [--class NAME] | --per-class a=100,b=400) [--seed 1] [--format png|zip|npz|dicom] [--audit-against data.npz] --out PATH',
  about:
    'Generates synthetic images from a run file with the studio\'s code, every image marked synthetic\n' +
    '(PNG tEXt chunks, DICOM Conversion Type SYN, file names starting synthetic_). zip and npz write one file;\n' +
    'png and dicom write a folder. Classes are the run\'s (its run card lists them).',
  options: {
    run: { type: 'string', placeholder: '<file.phantomrun>', help: 'the run file (studio export, or <run folder>/run.phantomrun from npm run train)' },
    count: { type: 'integer', min: 1, max: 10_000, help: 'images in all (split evenly across classes unless --class)' },
    class: { type: 'string', placeholder: '<name>', help: 'only this class (with --count)' },
    'per-class': { type: 'string', placeholder: '<a=100,b=400>', check: (v) => (parsePerClass(v) ? null : 'expected name=count pairs separated by commas'), accepts: 'name=count,name=count', help: 'images per class (classes left out get none)' },
    seed: { type: 'integer', min: 0, default: 1, help: 'the same seed (and counts) gives the same images' },
    truncation: { type: 'number', above: 0, help: 'GAN truncation ψ in (0, 1]: latents scaled by ψ (fidelity for variety)' },
    temperature: { type: 'number', above: 0, help: 'VAE temperature in (0, 2]' },
    format: { type: 'choice', choices: ['zip', 'png', 'npz', 'dicom'], default: 'zip', help: 'zip of PNGs, folder of PNGs, MedMNIST npz, or folder of DICOM files' },
    backend: { type: 'choice', choices: ['wasm', 'cpu', 'webgpu'], default: 'wasm', help: 'tfjs backend' },
    'audit-against': { type: 'string', placeholder: '<data.npz>', help: 'the run\'s training data (.npz from npm run convert, with a val or test split): runs the memorisation audit against it and leaves likely copies out' },
    'keep-likely-copies': { type: 'flag', help: 'with --audit-against: keep the images the audit flags as likely copies (they are left out by default)' },
    out: { type: 'string', placeholder: '<file or folder>', help: 'the file (zip, npz) or folder (png, dicom) to write; must not exist yet' },
  },
} as const satisfies CommandSpec;

export function parsePerClass(text: string): [string, number][] | null {
  const pairs = text.split(',').map((p) => p.trim().match(/^(.+?)=(\d+)$/));
  if (pairs.some((m) => !m)) return null;
  return pairs.map((m) => [m![1]!, Number(m![2])]);
}

async function generate({ options: args }: ParsedCommandLine<typeof GENERATE_SPEC>): Promise<void> {
  if (!args.run) throw new UsageError('--run is required: the run file to generate from');
  if (!args.out) throw new UsageError('--out is required: the file (zip, npz) or folder (png, dicom) to write');
  if (args['per-class'] !== undefined && (args.count !== undefined || args.class !== undefined)) throw new UsageError('--per-class cannot be combined with --count or --class');
  if (args['per-class'] === undefined && args.count === undefined) throw new UsageError('say how many: --count N (optionally with --class NAME) or --per-class a=100,b=400');
  const { existsSync } = await import('node:fs');
  if (!existsSync(args.run)) throw new CliError(`${args.run}: no such file`);
  if (existsSync(args.out)) throw new CliError(`${args.out} already exists; choose another --out`);
  if (args['keep-likely-copies'] && !args['audit-against']) throw new UsageError('--keep-likely-copies needs --audit-against (without it nothing is audited)');
  if (args['audit-against'] !== undefined && !existsSync(args['audit-against'])) throw new CliError(`--audit-against ${args['audit-against']}: no such file`);
  const { generateFromRunFile } = await import('./lib/generateRun');
  const summary = await generateFromRunFile({
    runFile: args.run,
    request: args['per-class'] !== undefined ? { perClass: parsePerClass(args['per-class'])! } : { count: args.count!, className: args.class },
    seed: args.seed,
    truncation: args.truncation,
    temperature: args.temperature,
    format: args.format,
    backend: args.backend,
    out: args.out,
    auditAgainst: args['audit-against'],
    keepLikelyCopies: args['keep-likely-copies'],
  });
  console.log(JSON.stringify(summary));
}

startCommand(GENERATE_SPEC, generate);
