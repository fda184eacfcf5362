import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { diffAugment, FULL_DIFF_AUGMENT } from './diffAugment';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('DiffAugment', () => {
  const x = () => tf.randomUniform([3, 8, 8, 3], -1, 1, 'float32', 4) as tf.Tensor4D;

  it('is a pure function of the seed and changes with it', () => {
    const a = diffAugment(x(), FULL_DIFF_AUGMENT, 10).arraySync();
    expect(diffAugment(x(), FULL_DIFF_AUGMENT, 10).arraySync()).toEqual(a);
    expect(diffAugment(x(), FULL_DIFF_AUGMENT, 11).arraySync()).not.toEqual(a);
  });

  it('translation shifts each sample by an integer offset with zero fill', () => {
    const input = x();
    const out = diffAugment(input, { color: false, translation: true, cutout: false }, 3).arraySync();
    const src = input.arraySync();
    for (let b = 0; b < 3; b++) {
      // Find the (ty, tx) in [-1, 1]² (ratio 1/8 of 8 px) that explains the output exactly.
      const matches = [];
      for (let ty = -1; ty <= 1; ty++)
        for (let tx = -1; tx <= 1; tx++) {
          let ok = true;
          for (let i = 0; i < 8 && ok; i++)
            for (let j = 0; j < 8 && ok; j++)
              for (let c = 0; c < 3; c++) {
                const si = i + ty;
                const sj = j + tx;
                const expected = si >= 0 && si < 8 && sj >= 0 && sj < 8 ? src[b][si][sj][c] : 0;
                if (Math.abs(out[b][i][j][c] - expected) > 1e-6) ok = false;
              }
          if (ok) matches.push([ty, tx]);
        }
      expect(matches.length).toBe(1);
    }
  });

  it('cutout zeroes one 4×4 square (clipped at borders) per sample', () => {
    const input = tf.ones([4, 8, 8, 1]) as tf.Tensor4D;
    const out = diffAugment(input, { color: false, translation: false, cutout: true }, 5).arraySync();
    for (const sample of out) {
      const zeros = sample.flat(2).filter((v) => v === 0).length;
      expect(zeros).toBeGreaterThan(0);
      expect(zeros).toBeLessThanOrEqual(16);
    }
  });

  it('is differentiable, also twice (as needed inside a gradient penalty)', () => {
    const input = x();
    const f = (v: tf.Tensor) => diffAugment(v as tf.Tensor4D, FULL_DIFF_AUGMENT, 8).square().sum();
    const g = tf.grad(f)(input);
    expect(g.abs().sum().arraySync()).toBeGreaterThan(0);
    const gg = tf.grad((v) => tf.grad(f)(v).square().sum())(input);
    expect(Number.isFinite(gg.abs().sum().arraySync())).toBe(true);
    expect(gg.abs().sum().arraySync()).toBeGreaterThan(0);
  });
});
