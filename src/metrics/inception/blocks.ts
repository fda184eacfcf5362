/**
 * The FID Inception-v3 forward pass as functional tfjs ops (NHWC), block by block after
 * pytorch-fid's inception.py. Where pytorch-fid patches torchvision, so do we:
 *  - the pool branch of Mixed_5b–5d (A), 6b–6e (C) and 7b (E_1) averages with
 *    count_include_pad=False, i.e. border windows divide by the pixels that exist;
 *  - Mixed_7c (E_2) max-pools in its pool branch instead of averaging.
 * Branch outputs are concatenated in PyTorch's channel order, so channel k here is channel k there.
 */
import * as tf from '@tensorflow/tfjs';

/** Applies the named BasicConv2d (conv → BatchNorm → ReLU). */
export type ConvLayer = (name: string, x: tf.Tensor4D) => tf.Tensor4D;

const concatChannels = (parts: tf.Tensor4D[]) => tf.concat4d(parts, 3);

/** 3×3, stride 1, padding 1 average that ignores the padding, as F.avg_pool2d(..., count_include_pad=False). */
export function avgPool3x3ExcludingPadding(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [, height, width] = x.shape;
    // Pad explicitly and average over all 9 taps, then rescale by 9 / (taps inside the image):
    // the same result on every backend, whatever its own 'same' average pooling counts.
    const padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    const meanOfNine = tf.avgPool(padded, 3, 1, 'valid');
    const rescale = new Float32Array(height * width);
    const taps = (i: number, size: number) => Math.min(i + 1, size - 1) - Math.max(i - 1, 0) + 1;
    for (let y = 0; y < height; y++) for (let x0 = 0; x0 < width; x0++) rescale[y * width + x0] = 9 / (taps(y, height) * taps(x0, width));
    return tf.mul(meanOfNine, tf.tensor4d(rescale, [1, height, width, 1]));
  });
}

/** Conv2d_1a … Conv2d_4a with both max pools: N×299×299×3 → N×35×35×192. */
export function stem(conv: ConvLayer, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    let h = conv('Conv2d_1a_3x3', x);
    h = conv('Conv2d_2a_3x3', h);
    h = conv('Conv2d_2b_3x3', h);
    h = tf.maxPool(h, 3, 2, 'valid');
    h = conv('Conv2d_3b_1x1', h);
    h = conv('Conv2d_4a_3x3', h);
    return tf.maxPool(h, 3, 2, 'valid');
  });
}

/** FIDInceptionA (Mixed_5b, 5c, 5d). */
export function fidInceptionA(conv: ConvLayer, p: string, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const branch1x1 = conv(`${p}.branch1x1`, x);
    const branch5x5 = conv(`${p}.branch5x5_2`, conv(`${p}.branch5x5_1`, x));
    const branch3x3dbl = conv(`${p}.branch3x3dbl_3`, conv(`${p}.branch3x3dbl_2`, conv(`${p}.branch3x3dbl_1`, x)));
    const branchPool = conv(`${p}.branch_pool`, avgPool3x3ExcludingPadding(x));
    return concatChannels([branch1x1, branch5x5, branch3x3dbl, branchPool]);
  });
}

/** torchvision InceptionB (Mixed_6a), unpatched in pytorch-fid. */
export function inceptionB(conv: ConvLayer, p: string, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const branch3x3 = conv(`${p}.branch3x3`, x);
    const branch3x3dbl = conv(`${p}.branch3x3dbl_3`, conv(`${p}.branch3x3dbl_2`, conv(`${p}.branch3x3dbl_1`, x)));
    const branchPool = tf.maxPool(x, 3, 2, 'valid');
    return concatChannels([branch3x3, branch3x3dbl, branchPool]);
  });
}

/** FIDInceptionC (Mixed_6b … 6e). */
export function fidInceptionC(conv: ConvLayer, p: string, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const branch1x1 = conv(`${p}.branch1x1`, x);
    let branch7x7 = conv(`${p}.branch7x7_1`, x);
    branch7x7 = conv(`${p}.branch7x7_2`, branch7x7);
    branch7x7 = conv(`${p}.branch7x7_3`, branch7x7);
    let branch7x7dbl = conv(`${p}.branch7x7dbl_1`, x);
    for (const step of [2, 3, 4, 5]) branch7x7dbl = conv(`${p}.branch7x7dbl_${step}`, branch7x7dbl);
    const branchPool = conv(`${p}.branch_pool`, avgPool3x3ExcludingPadding(x));
    return concatChannels([branch1x1, branch7x7, branch7x7dbl, branchPool]);
  });
}

/** torchvision InceptionD (Mixed_7a), unpatched in pytorch-fid. */
export function inceptionD(conv: ConvLayer, p: string, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const branch3x3 = conv(`${p}.branch3x3_2`, conv(`${p}.branch3x3_1`, x));
    let branch7x7x3 = conv(`${p}.branch7x7x3_1`, x);
    for (const step of [2, 3, 4]) branch7x7x3 = conv(`${p}.branch7x7x3_${step}`, branch7x7x3);
    const branchPool = tf.maxPool(x, 3, 2, 'valid');
    return concatChannels([branch3x3, branch7x7x3, branchPool]);
  });
}

/** FIDInceptionE_1 (Mixed_7b, average pool branch) and FIDInceptionE_2 (Mixed_7c, max pool branch). */
export function fidInceptionE(conv: ConvLayer, p: string, x: tf.Tensor4D, pool: 'avg' | 'max'): tf.Tensor4D {
  return tf.tidy(() => {
    const branch1x1 = conv(`${p}.branch1x1`, x);
    const branch3x3In = conv(`${p}.branch3x3_1`, x);
    const branch3x3 = concatChannels([conv(`${p}.branch3x3_2a`, branch3x3In), conv(`${p}.branch3x3_2b`, branch3x3In)]);
    const branch3x3dblIn = conv(`${p}.branch3x3dbl_2`, conv(`${p}.branch3x3dbl_1`, x));
    const branch3x3dbl = concatChannels([conv(`${p}.branch3x3dbl_3a`, branch3x3dblIn), conv(`${p}.branch3x3dbl_3b`, branch3x3dblIn)]);
    // F.max_pool2d pads with -inf, like tfjs 'same' max pooling.
    const pooled = pool === 'avg' ? avgPool3x3ExcludingPadding(x) : tf.maxPool(x, 3, 1, 'same');
    const branchPool = conv(`${p}.branch_pool`, pooled);
    return concatChannels([branch1x1, branch3x3, branch3x3dbl, branchPool]);
  });
}

/** The stages from a normalised N×H×W×3 input in [-1, 1] to the 2048 pool3 features, in order. */
export const FID_INCEPTION_STAGES: readonly [string, (conv: ConvLayer, x: tf.Tensor4D) => tf.Tensor4D][] = [
  ['stem', stem],
  ['Mixed_5b', (c, x) => fidInceptionA(c, 'Mixed_5b', x)],
  ['Mixed_5c', (c, x) => fidInceptionA(c, 'Mixed_5c', x)],
  ['Mixed_5d', (c, x) => fidInceptionA(c, 'Mixed_5d', x)],
  ['Mixed_6a', (c, x) => inceptionB(c, 'Mixed_6a', x)],
  ['Mixed_6b', (c, x) => fidInceptionC(c, 'Mixed_6b', x)],
  ['Mixed_6c', (c, x) => fidInceptionC(c, 'Mixed_6c', x)],
  ['Mixed_6d', (c, x) => fidInceptionC(c, 'Mixed_6d', x)],
  ['Mixed_6e', (c, x) => fidInceptionC(c, 'Mixed_6e', x)],
  ['Mixed_7a', (c, x) => inceptionD(c, 'Mixed_7a', x)],
  ['Mixed_7b', (c, x) => fidInceptionE(c, 'Mixed_7b', x, 'avg')],
  ['Mixed_7c', (c, x) => fidInceptionE(c, 'Mixed_7c', x, 'max')],
];

/**
 * Runs every stage, freeing each stage's input as soon as the next exists, so at most two
 * stages' activations (not the whole network's) are alive at once. Returns N×2048 (adaptive
 * average pool to 1×1). The caller keeps ownership of `x`.
 */
export function pool3(conv: ConvLayer, x: tf.Tensor4D): tf.Tensor2D {
  let h = x;
  for (const [, stage] of FID_INCEPTION_STAGES) {
    const next = stage(conv, h);
    if (h !== x) h.dispose();
    h = next;
  }
  const features = tf.mean(h, [1, 2]) as tf.Tensor2D;
  h.dispose();
  return features;
}
