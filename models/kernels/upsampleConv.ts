/**
 * 2× nearest-neighbour upsampling followed by a 3×3 'same' convolution, computed at the low
 * resolution (a sub-pixel convolution, Shi et al. 2016), for diffusion sampling.
 *
 * Upsampled, output pixel (2i + a, 2j + b) sees only a 2×2 block of the input: rows (i − 1, i) for
 * a = 0 and (i, i + 1) for a = 1, since two of its three kernel rows land on the same input row
 * (likewise for columns). So the 3×3 kernel folds into four 2×2 kernels, one per output phase
 * (a, b), and one 2×2 convolution with padding 1 over the input, with 4·cout output channels,
 * computes all four phases: 16·cin·cout multiply-adds per input pixel instead of 36 (9 taps on each
 * of 4 upsampled pixels), and no upsampled tensor is ever written. A gather kernel then interleaves
 * the phases into the 2H × 2W image, appending the channels of the skip connection the U-Net
 * concatenates next, so the concatenation's copy is saved too.
 *
 * The result equals upsample2x → conv → concat up to float32 round-off (the folded kernels sum two
 * or four taps first). models/ declares the gather kernel and holds its loops; a backend that can
 * run it registers it under INTERLEAVE_PHASES (the wasm backend does, in
 * src/compute/wasm/interleavePhasesKernel.ts). Where it is absent, hasInterleavePhases is false
 * and the U-Net keeps the upsample → conv → concat ops. No gradient: sampling only.
 */
import * as tf from '@tensorflow/tfjs';

export const INTERLEAVE_PHASES = 'PhantomInterleavePhases';

/**
 * For output phase a (0: even row, 1: odd row) and 2×2 kernel row r, the 3×3 kernel rows summed
 * into it: phase 0 reads input rows (i − 1, i) = kernel rows {0} and {1, 2}; phase 1 reads rows
 * (i, i + 1) = kernel rows {0, 1} and {2}. The same table serves columns.
 */
const FOLD: readonly (readonly (readonly number[])[])[] = [
  [[1, 0, 0], [0, 1, 1]],
  [[1, 1, 0], [0, 0, 1]],
];

/**
 * The 2×2 filter [2, 2, cin, 4·cout] of a 3×3 filter [3, 3, cin, cout] applied after 2× nearest
 * upsampling; output channel (2a + b)·cout + c is phase (a, b) of channel c.
 */
export function subPixelFilter(filter: tf.Tensor4D): tf.Tensor4D {
  const [kh, kw, cin, cout] = filter.shape;
  if (kh !== 3 || kw !== 3) throw new Error(`models/kernels/upsampleConv.ts: needs a 3×3 filter, got ${kh}×${kw}`);
  return tf.tidy(() => {
    // fold[(r, s, a, b), (dy, dx)]: how much 3×3 tap (dy, dx) adds to 2×2 tap (r, s) of phase (a, b).
    const fold = new Float32Array(16 * 9);
    for (let r = 0; r < 2; r++)
      for (let s = 0; s < 2; s++)
        for (let a = 0; a < 2; a++)
          for (let b = 0; b < 2; b++)
            for (let dy = 0; dy < 3; dy++)
              for (let dx = 0; dx < 3; dx++)
                fold[(((r * 2 + s) * 2 + a) * 2 + b) * 9 + dy * 3 + dx] = FOLD[a][r][dy] * FOLD[b][s][dx];
    const folded = tf.matMul(tf.tensor2d(fold, [16, 9]), filter.reshape([9, cin * cout]) as tf.Tensor2D); // [(r,s,a,b), (cin,cout)]
    return folded.reshape([2, 2, 4, cin, cout]).transpose([0, 1, 3, 2, 4]).reshape([2, 2, cin, 4 * cout]) as tf.Tensor4D;
  });
}

/** The bias of the 2×2 filter: the 3×3 conv's bias once per phase. */
export function subPixelBias(bias: tf.Tensor): tf.Tensor1D {
  return tf.tile(bias.reshape([-1]), [4]) as tf.Tensor1D;
}

/**
 * out[n, 2i + a, 2j + b, c] = phases[n, i + a, j + b, (2a + b)·C + c] for c < C, and skip[n, 2i + a,
 * 2j + b, c − C] for the skip's channels after them. phases is [images, height + 1, width + 1, 4·C]
 * (the 2×2 convolution of the padded input); skip (optional) is [images, 2·height, 2·width, S].
 */
export function interleavePhasesInto(
  phases: Float32Array, skip: Float32Array | null, out: Float32Array,
  images: number, height: number, width: number, channels: number, skipChannels: number,
): void {
  const rowIn = (width + 1) * 4 * channels;
  const imageIn = (height + 1) * rowIn;
  const outChannels = channels + skipChannels;
  let o = 0;
  let k = 0;
  for (let n = 0; n < images; n++) {
    for (let y = 0; y < 2 * height; y++) {
      const a = y & 1;
      const rowBase = n * imageIn + ((y >> 1) + a) * rowIn + 2 * a * channels;
      for (let x = 0; x < 2 * width; x++) {
        const b = x & 1;
        let p = rowBase + ((x >> 1) + b) * 4 * channels + b * channels;
        const end = o + channels;
        while (o < end) out[o++] = phases[p++];
        if (skip !== null) {
          const skipEnd = o + skipChannels;
          while (o < skipEnd) out[o++] = skip[k++];
        }
      }
    }
  }
}

/** Whether the active backend has the gather kernel (the sub-pixel path is taken only there). */
export function hasInterleavePhases(): boolean {
  return tf.getKernel(INTERLEAVE_PHASES, tf.getBackend()) !== undefined;
}

/**
 * concat(conv3×3(upsample2x(x)) + bias, skip) from the folded filter and bias (subPixelFilter,
 * subPixelBias): one 2×2 convolution at the input's resolution and one gather. Only where
 * hasInterleavePhases().
 */
export function upsampleConvConcat(x: tf.Tensor4D, filter2x2: tf.Tensor4D, bias: tf.Tensor1D, skip: tf.Tensor4D | null): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const channels = filter2x2.shape[3] / 4;
  if (skip && (skip.shape[0] !== n || skip.shape[1] !== 2 * h || skip.shape[2] !== 2 * w))
    throw new Error(`models/kernels/upsampleConv.ts: skip [${skip.shape}] does not match the upsampled [${n}, ${2 * h}, ${2 * w}]`);
  const phases = tf.fused.conv2d({ x, filter: filter2x2, strides: 1, pad: 1, bias }); // [n, h + 1, w + 1, 4·channels]
  const inputs: tf.NamedTensorMap = skip ? { phases, skip } : { phases };
  const out = tf.engine().runKernel(INTERLEAVE_PHASES, inputs, { channels } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  phases.dispose();
  return out;
}
