/**
 * Spectral normalisation (Miyato et al. 2018): W / σ(W), σ estimated by one power iteration per
 * training step with a persistent u, exactly as in the paper and torch.nn.utils.spectral_norm.
 * A kernel of shape [..., out] is treated as the matrix [fanIn, out].
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamStore, Weights } from '../core/params';

const NORM_EPSILON = 1e-12;

function normalise(x: tf.Tensor): tf.Tensor {
  return x.div(x.norm().add(NORM_EPSILON));
}

function asMatrix(w: tf.Tensor): tf.Tensor2D {
  const out = w.shape[w.rank - 1];
  return w.reshape([-1, out]) as tf.Tensor2D;
}

interface Vectors {
  u: tf.Tensor2D; // [out, 1]
  v: tf.Tensor2D; // [fanIn, 1]
}

export class SpectralNorm {
  private readonly names: ReadonlySet<string>;

  constructor(
    private readonly store: ParamStore,
    names: readonly string[],
  ) {
    this.names = new Set(names);
    for (const name of names) {
      const shape = store.get(name).shape;
      if (shape.length < 2) throw new Error(`models/layers/spectralNorm.ts: "${name}" is not a matrix or kernel`);
      store.add(this.uName(name), [shape[shape.length - 1], 1], { kind: 'normal', std: 1 }, false);
    }
  }

  /**
   * Runs one power iteration per weight, stores the new u, and returns weights normalised by
   * σ = vᵀ W u. Call outside any gradient tape: u and v are then constants and the gradient
   * flows through σ's dependence on W only, as in the paper.
   */
  iterate(base: Weights): Weights {
    const vectors = new Map<string, Vectors>();
    for (const name of this.names) {
      const w = asMatrix(this.store.get(name));
      const uVar = this.store.get(this.uName(name));
      const v = normalise(tf.matMul(w, uVar as tf.Tensor2D)) as tf.Tensor2D;
      const u = normalise(tf.matMul(w, v, true, false)) as tf.Tensor2D;
      uVar.assign(u);
      vectors.set(name, { u, v });
    }
    return this.normalisedWith(base, vectors);
  }

  /** Normalised weights using the stored u without updating it (for inspection and tests). */
  current(base: Weights): Weights {
    const vectors = new Map<string, Vectors>();
    for (const name of this.names) {
      const w = asMatrix(this.store.get(name));
      const u = this.store.get(this.uName(name)) as tf.Tensor2D;
      vectors.set(name, { u, v: normalise(tf.matMul(w, u)) as tf.Tensor2D });
    }
    return this.normalisedWith(base, vectors);
  }

  private normalisedWith(base: Weights, vectors: Map<string, Vectors>): Weights {
    return (name) => {
      const w = base(name);
      const uv = vectors.get(name);
      if (!uv) return w;
      const sigma = tf.matMul(uv.v, tf.matMul(asMatrix(w), uv.u), true, false).reshape([]);
      return w.div(sigma);
    };
  }

  private uName(name: string): string {
    return `sn/u/${name}`;
  }
}
