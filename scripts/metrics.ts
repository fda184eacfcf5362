/**
 * Evaluate a fake (synthetic) set against a real one from the command line, as the Evaluate stage
 * does: every distance beside its real-vs-real floor, per-class figures, diversity and the
 * memorisation audit.
 *
 *   npm run metrics -- --real <dir|npz|npy> --fake <dir|npz|npy> [--limit N --seed S] [--json]
 *
 * - a folder: every .png below it (sorted by path), 8- or 16-bit, grey or colour (averaged); when
 *   every file sits in a sub-folder, the folder names its class;
 * - .npz in MedMNIST layout: --real-key / --fake-key choose the array (default train_images); its
 *   labels and class_names give per-class figures;
 * - .npy: precomputed N x D features (float32/float64), compared as they are, so the numbers
 *   can be checked against a Python implementation on the same file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { deriveSeed } from '../src/data/random';
import { readNpz, writeNpy } from '../src/importers/npy';
import { UsageError, type CommandSpec, type ParsedCommandLine } from './lib/args';
import { compareSets, type ComparedFeatures } from './lib/compareSets';
import { loadSet, subsetOf, type ImageSet, type LoadedSet } from './lib/imageSets';
import { metricsText } from './lib/metricsText';
import { CliError, startCommand } from './lib/runCommand';

const METRICS_SPEC = {
  name: 'metrics',
  usage: '--real <dir|npz|npy> --fake <dir|npz|npy> [--features radiomics|raw] [--limit N] [--json]',
  about:
    'Compares a fake (synthetic) image set with a real one: FRD (or a Fréchet distance on raw pixels or on\n' +
    'precomputed .npy features), KID and precision/recall/density/coverage, each beside its real-vs-real floor\n' +
    '(the same metric between two disjoint random halves of the real set), per class when both sets are\n' +
    'labelled, diversity, and the memorisation audit of the fake images against held-out real images.',
  options: {
    real: { type: 'string', placeholder: '<dir|npz|npy>', help: 'the real images (the training set of the model, for the audit)' },
    fake: { type: 'string', placeholder: '<dir|npz|npy>', help: 'the synthetic images' },
    'real-key': { type: 'string', default: 'train_images', placeholder: '<array>', help: 'array of a real .npz' },
    'fake-key': { type: 'string', default: 'train_images', placeholder: '<array>', help: 'array of a fake .npz' },
    heldout: { type: 'string', placeholder: '<dir|npz>', help: 'held-out real images for the audit (default: val_images of an npz --real read at train_images)' },
    'heldout-key': { type: 'string', default: 'val_images', placeholder: '<array>', help: 'array of a held-out .npz' },
    'no-audit': { type: 'flag', help: 'skip the memorisation audit' },
    features: { type: 'choice', choices: ['radiomics', 'raw'], default: 'radiomics', help: 'feature space for image inputs' },
    paired: { type: 'flag', help: 'also compare image i of real with image i of fake (SSIM, PSNR, MSE, MAE, MS-SSIM)' },
    k: { type: 'integer', min: 1, default: 5, help: 'PRDC neighbourhood size' },
    'kid-subsets': { type: 'integer', min: 0, default: 100, help: 'KID subsets (0: the full-set value only)' },
    'kid-subset-size': { type: 'integer', min: 2, default: 1000, help: 'images per KID subset (capped at the smaller set)' },
    limit: { type: 'integer', min: 2, help: 'use a seeded random subset of at most N images of each set' },
    seed: { type: 'integer', min: 0, default: 0, help: 'seeds the subsets, the floor halves, KID and diversity' },
    'dump-features': { type: 'string', placeholder: '<file.npy>', accepts: 'a path ending in .npy', check: (v) => (/\.npy$/i.test(v) ? null : 'the path must end in .npy'), help: 'write the compared features to FILE.real.npy and FILE.fake.npy (float64)' },
    json: { type: 'flag', help: 'print JSON instead of text' },
  },
} as const satisfies CommandSpec;

type Options = ParsedCommandLine<typeof METRICS_SPEC>['options'];

/** Infinity → null (JSON has no infinity), typed arrays → omitted (per-sample detail, not metrics). */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (ArrayBuffer.isView(value)) return undefined;
  return value;
}

/** The held-out set of the audit: --heldout, or the val_images beside an npz's train_images. */
function heldoutSet(args: Options, real: LoadedSet): ImageSet | null {
  if (args['no-audit'] || real.kind !== 'images') return null;
  if (args.heldout) {
    const set = loadSet(args.heldout, args['heldout-key']);
    if (set.kind !== 'images') throw new CliError(`--heldout ${args.heldout}: the audit needs images, not precomputed features`);
    return set;
  }
  const realPath = args.real!;
  if (!/\.npz$/i.test(realPath) || args['real-key'] !== 'train_images') return null;
  const arrays = readNpz(new Uint8Array(readFileSync(realPath)), realPath);
  if (!arrays.has(args['heldout-key'])) return null;
  return loadSet(realPath, args['heldout-key']) as ImageSet;
}

function dumpFeatures(path: string, features: ComparedFeatures): { real: string; fake: string } {
  const base = path.replace(/\.npy$/i, '');
  const written = { real: `${base}.real.npy`, fake: `${base}.fake.npy` };
  for (const side of ['real', 'fake'] as const) {
    const m = features[side];
    writeFileSync(written[side], writeNpy({ data: Float64Array.from(m.data), shape: [m.rows, m.cols] }));
  }
  return written;
}

function metrics({ options: args }: ParsedCommandLine<typeof METRICS_SPEC>): void {
  if (!args.real || !args.fake) throw new UsageError(`${args.real ? '--fake' : '--real'} is required (a folder of PNGs, an .npz or an .npy)`);
  const limit = args.limit ?? Infinity;
  // One seed per set, so a set's subset does not change with the other set's size.
  // The real set stays whole: compareSets draws the compared images and the floor's from it.
  const real = loadSet(args.real, args['real-key']);
  const fake = subsetOf(loadSet(args.fake, args['fake-key']), limit, deriveSeed(args.seed, 2));
  const heldoutAll = heldoutSet(args, real);
  const heldout = heldoutAll ? subsetOf(heldoutAll, limit, deriveSeed(args.seed, 3)) : null;
  const { comparison, features } = compareSets(real, fake, heldout, {
    features: args.features,
    realLimit: limit,
    k: args.k,
    kid: { subsets: args['kid-subsets'], subsetSize: args['kid-subset-size'] },
    seed: args.seed,
    paired: args.paired,
  });
  const dumped = args['dump-features'] ? dumpFeatures(args['dump-features'], features) : undefined;
  const sources = { real: real.source, fake: fake.source };
  if (args.json) {
    const subset = args.limit === undefined ? null : { limit: args.limit, seed: args.seed };
    console.log(JSON.stringify({ ...sources, heldout: heldout?.source ?? null, subset, ...comparison, dumpedFeatures: dumped ?? null }, jsonReplacer, 2));
  } else {
    console.log(metricsText(comparison, sources));
    if (dumped) console.log(`features written to ${dumped.real} and ${dumped.fake}`);
  }
}

startCommand(METRICS_SPEC, metrics);
