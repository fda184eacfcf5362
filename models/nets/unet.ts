/**
 * The noise-prediction U-Net of a DDPM (Ho et al. 2020), cut down for a browser: one residual
 * block per level, no attention, no dropout. Per level the image is halved by a stride-2 conv on
 * the way down and doubled by nearest-neighbour upsampling + conv on the way up, with a skip
 * connection from each down level to its up level. The timestep enters every residual block
 * through a sinusoidal embedding and an MLP; a class embedding, when conditional, is added to it.
 *
 * Ops are chosen to train on every tfjs backend: GroupNorm as reshape + moments, SiLU as
 * x·sigmoid(x), class embeddings as one-hot · matrix (gather's gradient fails on wasm) and
 * upsampling as broadcasts (the cpu backend's ResizeNearestNeighborGrad is wrong for batch > 1,
 * and depthToSpace has no gradient). Where a backend registers fused GroupNorm + SiLU kernels
 * (wasm does), each pair is one kernel instead: models/kernels/groupNormSilu.ts for sampling,
 * models/kernels/groupNormSiluGrad.ts (with its gradient) for training.
 */
import * as tf from '@tensorflow/tfjs';
import type { Init, ParamStore, Weights } from '../core/params';
import { fusedGroupNormSilu } from '../kernels/groupNormSilu';
import { hasInterleavePhases, subPixelBias, subPixelFilter, upsampleConvConcat } from '../kernels/upsampleConv';
import { fusedGroupNormSiluTrainable } from '../kernels/groupNormSiluGrad';
import { conv, convOfInput, dense, upsample2x } from '../layers/basic';

export interface UNetSpec {
  resolution: number;
  channels: number;
  /** Channels of the first level. */
  width: number;
  /** Level i has width · channelMultipliers[i] channels and side resolution / 2^i. */
  channelMultipliers: readonly number[];
  /** 0 = unconditional. */
  numClasses: number;
}

const GROUP_NORM_EPSILON = 1e-5;

export interface ForwardOptions {
  /**
   * Sampling only (the fused kernels have no gradient): GroupNorm + SiLU as one kernel, and each
   * upsampling convolution as a sub-pixel convolution (models/kernels/upsampleConv.ts), where the
   * backend has the kernels.
   */
  fused?: boolean;
  /**
   * Sampling: weights derived from `w` (the sub-pixel filters), made on first use and kept for the
   * passes after, so a sampler's 10–50 passes derive them once. Holds tensors for one `w` only.
   */
  derived?: DerivedWeights;
}

/** Tensors computed from a fixed set of weights, kept across U-Net passes; the owner disposes them. */
export class DerivedWeights {
  private readonly tensors = new Map<string, tf.Tensor>();

  /** The tensor stored under `name`, made by `make` (and kept) the first time. */
  get<T extends tf.Tensor>(name: string, make: () => T): T {
    let t = this.tensors.get(name);
    if (t === undefined) {
      t = tf.keep(make());
      this.tensors.set(name, t);
    }
    return t as T;
  }

  dispose(): void {
    for (const t of this.tensors.values()) t.dispose();
    this.tensors.clear();
  }
}
/** Wu & He 2018 found 32 groups best for wide nets; 8 suits widths of 16–64 (lucidrains uses 8 too). */
const MAX_GROUPS = 8;
/** Period range of the sinusoidal timestep embedding, as in the Transformer and the DDPM code. */
const MAX_PERIOD = 10_000;

export function silu(x: tf.Tensor): tf.Tensor {
  return x.mul(tf.sigmoid(x));
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Groups for a GroupNorm over `channels`: the most up to MAX_GROUPS that divide it evenly. */
export function groupsFor(channels: number): number {
  return gcd(channels, MAX_GROUPS);
}

/**
 * GroupNorm (Wu & He 2018): each image's channels are split into `groups` and normalised over
 * (H, W, channels in group). Per image, so it behaves the same in training and sampling.
 */
export function groupNorm(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, groups: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const perGroup = [1, 1, groups, c / groups];
  const grouped = x.reshape([n, h * w, groups, c / groups]);
  const { mean, variance } = tf.moments(grouped, [1, 3], true);
  // Normalisation and the affine folded into one scale and shift per (image, channel): two
  // full-size ops instead of four, forward and backward, which is most of the norm's cost on wasm.
  const scale = variance.add(GROUP_NORM_EPSILON).rsqrt().mul(gamma.reshape(perGroup));
  const shift = beta.reshape(perGroup).sub(mean.mul(scale));
  return grouped.mul(scale).add(shift).reshape([n, h, w, c]);
}

/** Length of the sinusoidal feature vector for a U-Net of this width (even, at least 2). */
export function timeFeatureDim(width: number): number {
  return 2 * Math.max(1, Math.floor(width / 2));
}

/**
 * Sinusoidal timestep features [sin(t·f_k), cos(t·f_k)] with f_k = MAX_PERIOD^(−k/half), computed
 * in JS from integer timesteps so no sin/cos kernel is needed and nothing is read back.
 */
export function timestepFeatures(timesteps: readonly number[], dim: number): tf.Tensor2D {
  const half = dim / 2;
  const values = new Float32Array(timesteps.length * dim);
  timesteps.forEach((t, i) => {
    for (let k = 0; k < half; k++) {
      const angle = t * Math.exp((-Math.log(MAX_PERIOD) * k) / half);
      values[i * dim + k] = Math.sin(angle);
      values[i * dim + half + k] = Math.cos(angle);
    }
  });
  return tf.tensor2d(values, [timesteps.length, dim]);
}

export class UNet {
  readonly timeDim: number;
  private readonly featureDim: number;
  private readonly levelChannels: number[];
  private readonly trainable: string[] = [];

  constructor(
    private readonly store: ParamStore,
    private readonly spec: UNetSpec,
    private readonly prefix = 'U',
  ) {
    const { resolution, channels, width, channelMultipliers, numClasses } = spec;
    const levels = channelMultipliers.length;
    if (!Number.isInteger(resolution / 2 ** (levels - 1)))
      throw new Error(`models/nets/unet.ts: resolution ${resolution} cannot be halved ${levels - 1} times`);
    this.levelChannels = channelMultipliers.map((m) => width * m);
    this.featureDim = timeFeatureDim(width);
    this.timeDim = 4 * width;
    const p = prefix;

    this.dense(`${p}/time/fc1`, this.featureDim, this.timeDim);
    this.dense(`${p}/time/fc2`, this.timeDim, this.timeDim);
    if (numClasses > 0) this.param(`${p}/class/embed`, [numClasses, this.timeDim], { kind: 'normal', std: 1 });

    this.conv(`${p}/in`, 3, channels, width);
    const ch = this.levelChannels;
    for (let i = 0; i < levels; i++) {
      this.resBlock(`${p}/down${i}`, i === 0 ? width : ch[i - 1], ch[i]);
      if (i < levels - 1) this.conv(`${p}/down${i}/pool`, 3, ch[i], ch[i]);
    }
    this.resBlock(`${p}/mid`, ch[levels - 1], ch[levels - 1]);
    for (let i = levels - 1; i >= 0; i--) {
      // Input: the level's own channels (from below) concatenated with its skip.
      this.resBlock(`${p}/up${i}`, 2 * ch[i], ch[i]);
      if (i > 0) this.conv(`${p}/up${i}/upsample`, 3, ch[i], ch[i - 1]);
    }
    this.norm(`${p}/out/norm`, ch[0]);
    // Zero-initialised like the DDPM code: the net starts by predicting ε = 0.
    this.conv(`${p}/out`, 3, ch[0], channels, true);
  }

  trainableNames(): string[] {
    return [...this.trainable];
  }

  /**
   * Predicted noise for noisy images x [n, r, r, channels] at the timesteps whose sinusoidal
   * features are `timeFeatures` [n, timeFeatureDim]; classes is one-hot [n, numClasses] or null.
   * `fused` (sampling only: no gradient) runs each GroupNorm + SiLU as one kernel where the backend has it.
   */
  forward(x: tf.Tensor4D, timeFeatures: tf.Tensor2D, classes: tf.Tensor2D | null, w: Weights, { fused = false, derived }: ForwardOptions = {}): tf.Tensor4D {
    const p = this.prefix;
    const levels = this.levelChannels.length;
    if ((classes !== null) !== this.spec.numClasses > 0)
      throw new Error(`models/nets/unet.ts: ${this.spec.numClasses > 0 ? 'conditional U-Net needs' : 'unconditional U-Net takes no'} class labels`);
    let emb = dense(silu(dense(timeFeatures, w(`${p}/time/fc1/w`), w(`${p}/time/fc1/b`))) as tf.Tensor2D, w(`${p}/time/fc2/w`), w(`${p}/time/fc2/b`));
    if (classes) emb = emb.add(tf.matMul(classes, w(`${p}/class/embed`) as tf.Tensor2D));
    // Every block reads SiLU(emb); computing it once saves a kernel pair per block.
    const embedding = silu(emb) as tf.Tensor2D;

    // Training: no gradient for the noisy images (convOfInput). Sampling keeps the fused bias.
    let h = fused ? conv(x, w(`${p}/in/w`), 1, w(`${p}/in/b`)) : convOfInput(x, w(`${p}/in/w`), 1, w(`${p}/in/b`));
    const skips: tf.Tensor4D[] = [];
    for (let i = 0; i < levels; i++) {
      h = this.applyResBlock(h, embedding, `${p}/down${i}`, w, fused);
      skips.push(h);
      if (i < levels - 1) h = conv(h, w(`${p}/down${i}/pool/w`), 2, w(`${p}/down${i}/pool/b`));
    }
    h = this.applyResBlock(h, embedding, `${p}/mid`, w, fused);
    const subPixel = fused && hasInterleavePhases();
    const keep = <T extends tf.Tensor>(name: string, make: () => T): T => (derived ? derived.get(name, make) : make());
    // The next up level's input when the sub-pixel path has already concatenated it with its skip.
    let merged: tf.Tensor4D | null = null;
    for (let i = levels - 1; i >= 0; i--) {
      h = this.applyResBlock(merged ?? tf.concat([h, skips[i]], 3), embedding, `${p}/up${i}`, w, fused);
      merged = null;
      if (i === 0) break;
      const name = `${p}/up${i}/upsample`;
      if (subPixel) {
        const filter = keep(`${name}/subPixel/w`, () => subPixelFilter(w(`${name}/w`) as tf.Tensor4D));
        const bias = keep(`${name}/subPixel/b`, () => subPixelBias(w(`${name}/b`)));
        merged = upsampleConvConcat(h, filter, bias, skips[i - 1]);
      } else {
        h = conv(upsample2x(h), w(`${name}/w`), 1, w(`${name}/b`));
      }
    }
    h = this.normSilu(h, `${p}/out/norm`, w, fused);
    return conv(h, w(`${p}/out/w`), 1, w(`${p}/out/b`));
  }

  /** Pre-activation residual block of the DDPM code: norm → SiLU → conv, + time, norm → SiLU → conv, + skip. */
  private applyResBlock(x: tf.Tensor4D, embedding: tf.Tensor2D, name: string, w: Weights, fused: boolean): tf.Tensor4D {
    let h = conv(this.normSilu(x, `${name}/norm1`, w, fused), w(`${name}/conv1/w`), 1, w(`${name}/conv1/b`));
    const cout = h.shape[3];
    // The time embedding is added to h only to be normalised: the fused kernel adds it itself.
    const time = dense(embedding, w(`${name}/time/w`), w(`${name}/time/b`));
    h = conv(this.normSilu(h, `${name}/norm2`, w, fused, time), w(`${name}/conv2/w`), 1, w(`${name}/conv2/b`));
    const shortcut = x.shape[3] === cout ? x : conv(x, w(`${name}/skip/w`), 1, w(`${name}/skip/b`));
    return h.add(shortcut);
  }

  /**
   * SiLU(GroupNorm(x + offset)), offset [n, channels] per image (the time embedding) or none, as
   * one kernel where the backend has it: the gradient-free one when `fused` (sampling, the offset
   * added inside it), else the training pair (forward + one gradient kernel, first order: the U-Net
   * is differentiated once; the offset added before it). Where the backend has neither, the
   * composed ops.
   */
  private normSilu(x: tf.Tensor4D, name: string, w: Weights, fused: boolean, offset?: tf.Tensor2D): tf.Tensor4D {
    const gamma = w(`${name}/gamma`);
    const beta = w(`${name}/beta`);
    const attrs = { groups: groupsFor(x.shape[3]), epsilon: GROUP_NORM_EPSILON, silu: true };
    const out = fused ? fusedGroupNormSilu(x, gamma, beta, attrs, offset) : null;
    if (out) return out;
    const [n, , , c] = x.shape;
    const input = offset ? (x.add(offset.reshape([n, 1, 1, c])) as tf.Tensor4D) : x;
    const trained = fused ? null : fusedGroupNormSiluTrainable(input, gamma, beta, attrs);
    return trained ?? (silu(groupNorm(input, gamma, beta, attrs.groups)) as tf.Tensor4D);
  }

  private resBlock(name: string, cin: number, cout: number): void {
    this.norm(`${name}/norm1`, cin);
    this.conv(`${name}/conv1`, 3, cin, cout);
    this.dense(`${name}/time`, this.timeDim, cout);
    this.norm(`${name}/norm2`, cout);
    // Zero-initialised (as in the DDPM and guided-diffusion code) so each block starts as the identity.
    this.conv(`${name}/conv2`, 3, cout, cout, true);
    if (cin !== cout) this.conv(`${name}/skip`, 1, cin, cout);
  }

  private norm(name: string, channels: number): void {
    this.param(`${name}/gamma`, [channels], { kind: 'ones' });
    this.param(`${name}/beta`, [channels], { kind: 'zeros' });
  }

  private conv(name: string, kernel: number, cin: number, cout: number, zero = false): void {
    this.param(`${name}/w`, [kernel, kernel, cin, cout], zero ? { kind: 'zeros' } : { kind: 'he', fanIn: kernel * kernel * cin });
    this.param(`${name}/b`, [cout], { kind: 'zeros' });
  }

  private dense(name: string, inDim: number, outDim: number): void {
    this.param(`${name}/w`, [inDim, outDim], { kind: 'he', fanIn: inDim });
    this.param(`${name}/b`, [outDim], { kind: 'zeros' });
  }

  private param(name: string, shape: number[], init: Init): void {
    this.store.add(name, shape, init);
    this.trainable.push(name);
  }
}
