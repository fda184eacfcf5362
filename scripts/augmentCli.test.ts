/**
 * npm run augment as a user runs it (a fresh tsx process): a real npz with its three splits and a
 * synthetic npz carrying the studio's run card give A, B and C over 3 seeds with the verdict; an
 * npz without a run card, or with other classes, is refused in one line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePhantoms } from '../src/data/phantom';
import { writeNpz } from '../src/importers/npy';
import { runScript } from './testing/runScript';
import type { AugmentReport } from '../src/augment/augmentTypes';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'phantom-augment-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SIZE = 32;
function split(count: number, seed: number) {
  const set = generatePhantoms({ modality: 'head-ct', size: SIZE, count, seed });
  return { images: { data: set.images, shape: [count, SIZE, SIZE] }, labels: { data: set.labels, shape: [count, 1] } };
}
const runCard = { synthetic: true, provenance: { synthetic: true, runId: 'r', runName: 'tiny dcgan', modelKind: 'dcgan', checkpoint: 'latest', step: 2, seed: 1, generatedPerClass: [40, 40], realDatasetId: 'ds-1', auditTime: 0 } };

function files(classNames = ['normal', 'haemorrhage'], card: object | null = runCard) {
  const [train, val, test, synth] = [split(120, 1), split(24, 2), split(30, 3), split(80, 4)];
  const real = join(work, 'real.npz');
  writeFileSync(real, writeNpz({ train_images: train.images, train_labels: train.labels, val_images: val.images, val_labels: val.labels, test_images: test.images, test_labels: test.labels, class_names: { data: ['normal', 'haemorrhage'], shape: [2] } }));
  const synthetic = join(work, `synthetic-${classNames.join('-')}-${card ? 'card' : 'none'}.npz`);
  writeFileSync(synthetic, writeNpz({ train_images: synth.images, train_labels: synth.labels, class_names: { data: classNames, shape: [2] }, ...(card ? { synthetic_run_card: { data: [JSON.stringify(card)], shape: [1] } } : {}) }));
  return { real, synthetic };
}

describe('npm run augment', () => {
  it('refuses an npz that is not marked synthetic, and one with other classes, in one line', () => {
    const plain = files(undefined, null);
    const result = runScript('augment', ['--real', plain.real, '--synthetic', plain.synthetic, '--seeds', '3', '--epochs', '1']);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(/^augment: .*synthetic-normal-haemorrhage-none\.npz: is not marked synthetic \(it has no synthetic_run_card\)/);
    const other = files(['normal', 'tumour']);
    const refused = runScript('augment', ['--real', other.real, '--synthetic', other.synthetic, '--seeds', '3', '--epochs', '1']);
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim()).toBe('augment: “synthetic-normal-tumour-card.npz” has the classes “normal”, “tumour” but “real.npz” has “normal”, “haemorrhage”; synthetic images must come from a conditional model of this dataset');
  }, 120_000);

  it('runs A, B and C over 3 seeds and prints the report as JSON', () => {
    const { real, synthetic } = files();
    const result = runScript('augment', ['--real', real, '--synthetic', synthetic, '--mix', 'ratio', '--ratio', '0.5', '--seeds', '3', '--epochs', '2', '--json'], 600_000);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as AugmentReport;
    expect(report.arms.map((a) => a.id)).toEqual(['A', 'B', 'C']);
    expect(report.seeds).toEqual([1, 2, 3]);
    expect(report.arms[1].trainCounts.synthetic.reduce((a, b) => a + b)).toBe(60);
    expect(report.testIndices).toHaveLength(30);
    expect(report.verdict.headline).toMatch(/B − A = [+−]\d+\.\d points, 95 % CI [+−]\d+\.\d to [+−]\d+\.\d over 3 seeds\.$/);
  }, 600_000);
});
