/**
 * The 2-D classroom, in the spirit of GAN Lab (Kahng et al. 2018): a toy 2-D data set, a tiny MLP
 * generator (2-D noise → a point) and discriminator (a point → real or fake), trained with the
 * same non-saturating GAN loss and the same step controls as the image GAN. Everything is small
 * enough to show whole: every real and generated point, D's verdict over the plane (its decision
 * surface) and, for each generated point, the direction G's gradient pushes it.
 */
import * as tf from '@tensorflow/tfjs';
import { Random } from '../data/random';

export type ToyDataset = 'ring' | 'circle' | 'mixture';
export const TOY_DATASETS: Record<ToyDataset, string> = {
  ring: 'eight Gaussians on a ring',
  circle: 'a circle',
  mixture: 'three unequal Gaussians',
};

export interface ToyView {
  dataset: ToyDataset;
  /** Half-width of the square shown: points lie in [-extent, extent]². */
  extent: number;
  /** Fixed real points and generated points (from fixed noise), x0 y0 x1 y1 … */
  real: Float32Array;
  fake: Float32Array;
  /** D's probability of "real" on a surfaceSize × surfaceSize grid, row-major from the top-left corner. */
  surface: Float32Array;
  surfaceSize: number;
  /** −∂lossG/∂x at each generated point (where G's update moves it), x y pairs, same order as fake. */
  arrows: Float32Array;
  dUpdates: number;
  gUpdates: number;
  /** The last step's numbers (empty before the first step). */
  metrics: Record<string, number>;
  /** How many of the data's modes the generated points cover. */
  modes: ModeCoverage;
}

/** How many of a toy data set's modes the generated points cover (see modeCoverage). */
export interface ModeCoverage {
  /** Modes holding at least MODE_MIN_SHARE of their expected share of the points. */
  covered: number;
  total: number;
  /** The word for one mode in this data set ('cluster', 'arc'), for plain sentences. */
  unit: string;
  /** Points near each mode, in the data set's order. */
  counts: number[];
  /** Share of points near no mode at all (0..1). */
  offMode: number;
}

/** A mode counts as covered when it holds at least this fraction of the points its weight expects. */
export const MODE_MIN_SHARE = 0.25;

interface Mode {
  x: number;
  y: number;
  /** Points within this distance of the centre belong to the mode. */
  radius: number;
  weight: number;
}

const RING_MODES: Mode[] = Array.from({ length: 8 }, (_, k) => ({ x: 2 * Math.cos((k * Math.PI) / 4), y: 2 * Math.sin((k * Math.PI) / 4), radius: 0.5, weight: 1 / 8 }));
const MIXTURE_MODES: Mode[] = [
  { x: -1.4, y: -1, radius: 0.75, weight: 0.4 },
  { x: 1.4, y: -1, radius: 0.75, weight: 0.4 },
  { x: 0, y: 1.4, radius: 1.25, weight: 0.2 },
];
const CIRCLE_ARCS = 8;

/**
 * Which modes of the data set the points (x y pairs) land in: for the ring and the mixture, each
 * Gaussian (a point belongs to one when it lies within 2.5–3 standard deviations of its centre,
 * 6 for the ring's tight ones); for the circle, eight equal arcs (a point within 0.4 of the circle
 * belongs to the arc at its angle). Computed from the samples, so "covers 3 of 8" is a count.
 */
export function modeCoverage(dataset: ToyDataset, points: Float32Array): ModeCoverage {
  const n = points.length / 2;
  if (!Number.isInteger(n) || n < 1) throw new Error(`learn/toy2d: mode coverage needs x y pairs, got ${points.length} numbers`);
  const total = dataset === 'circle' ? CIRCLE_ARCS : dataset === 'ring' ? RING_MODES.length : MIXTURE_MODES.length;
  const counts = new Array<number>(total).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    const [x, y] = [points[2 * i], points[2 * i + 1]];
    let mode = -1;
    if (dataset === 'circle') {
      if (Math.abs(Math.hypot(x, y) - 1.8) <= 0.4) mode = Math.floor(((Math.atan2(y, x) + 2 * Math.PI) % (2 * Math.PI)) / ((2 * Math.PI) / CIRCLE_ARCS)) % CIRCLE_ARCS;
    } else {
      const modes = dataset === 'ring' ? RING_MODES : MIXTURE_MODES;
      let best = Infinity;
      modes.forEach((m, k) => {
        const d = Math.hypot(x - m.x, y - m.y);
        if (d <= m.radius && d < best) [best, mode] = [d, k];
      });
    }
    if (mode < 0) off++;
    else counts[mode]++;
  }
  const weights = dataset === 'circle' ? counts.map(() => 1 / CIRCLE_ARCS) : (dataset === 'ring' ? RING_MODES : MIXTURE_MODES).map((m) => m.weight);
  const covered = counts.filter((c, k) => c >= Math.max(1, MODE_MIN_SHARE * weights[k] * n)).length;
  return { covered, total, unit: dataset === 'circle' ? 'arc' : 'cluster', counts, offMode: off / n };
}

export const TOY_EXTENT = 3;
const SURFACE = 40;
const SHOWN = 256;
const BATCH = 128;
const HIDDEN = 64;

/** `n` points of a toy data set, x y pairs, from a seeded generator. */
export function sampleToy(dataset: ToyDataset, n: number, seed: number): Float32Array {
  const rng = new Random(seed);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    let x: number;
    let y: number;
    if (dataset === 'ring') {
      const k = rng.int(8);
      x = 2 * Math.cos((k * Math.PI) / 4) + 0.08 * rng.normal();
      y = 2 * Math.sin((k * Math.PI) / 4) + 0.08 * rng.normal();
    } else if (dataset === 'circle') {
      const a = rng.uniform(0, 2 * Math.PI);
      x = 1.8 * Math.cos(a) + 0.04 * rng.normal();
      y = 1.8 * Math.sin(a) + 0.04 * rng.normal();
    } else {
      const k = rng.next();
      const [cx, cy, sd] = k < 0.4 ? [-1.4, -1, 0.25] : k < 0.8 ? [1.4, -1, 0.25] : [0, 1.4, 0.5];
      x = cx + sd * rng.normal();
      y = cy + sd * rng.normal();
    }
    out[2 * i] = x;
    out[2 * i + 1] = y;
  }
  return out;
}

interface Mlp {
  w1: tf.Variable;
  b1: tf.Variable;
  w2: tf.Variable;
  b2: tf.Variable;
  w3: tf.Variable;
  b3: tf.Variable;
}

/** Inside a tidy, so the initial values are freed once copied into the variables. */
function mlp(name: string, out: number, seed: number): Mlp {
  return tf.tidy(() => initMlp(name, out, seed) as unknown as tf.NamedTensorMap) as unknown as Mlp;
}

function initMlp(name: string, out: number, seed: number): Mlp {
  const he = (shape: [number, number], s: number) => tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / shape[0]), 'float32', s), true, `${name}/${s}`);
  const zeros = (n: number, s: string) => tf.variable(tf.zeros([n]), true, `${name}/${s}`);
  return { w1: he([2, HIDDEN], seed), b1: zeros(HIDDEN, 'b1'), w2: he([HIDDEN, HIDDEN], seed + 1), b2: zeros(HIDDEN, 'b2'), w3: he([HIDDEN, out], seed + 2), b3: zeros(out, 'b3') };
}

function forward(m: Mlp, x: tf.Tensor2D): tf.Tensor2D {
  const h1 = tf.relu(x.matMul(m.w1).add(m.b1)) as tf.Tensor2D;
  const h2 = tf.relu(h1.matMul(m.w2).add(m.b2)) as tf.Tensor2D;
  return h2.matMul(m.w3).add(m.b3) as tf.Tensor2D;
}

const vars = (m: Mlp) => Object.values(m) as tf.Variable[];

function bce(logits: tf.Tensor, target: number): tf.Scalar {
  return tf.softplus(logits).sub(logits.mul(target)).mean() as tf.Scalar;
}

function norm(grads: tf.NamedTensorMap): tf.Scalar {
  return tf.sqrt(tf.addN(Object.values(grads).map((g) => g.square().sum()))) as tf.Scalar;
}

/** Gradients as the optimiser's list of named tensors. */
function named(grads: tf.NamedTensorMap): { name: string; tensor: tf.Tensor }[] {
  return Object.entries(grads).map(([name, tensor]) => ({ name, tensor }));
}

let instances = 0;

export class Toy2d {
  private readonly g: Mlp;
  private readonly d: Mlp;
  private gOpt: tf.AdamOptimizer;
  private dOpt: tf.AdamOptimizer;
  private rates: { d: number; g: number };
  private readonly real: Float32Array;
  private readonly zShown: tf.Tensor2D;
  private readonly plane: tf.Tensor2D;
  private steps = 0;
  dUpdates = 0;
  gUpdates = 0;
  private metrics: Record<string, number> = {};

  constructor(
    readonly dataset: ToyDataset,
    private readonly seed = 11,
    rates: { d: number; g: number } = { d: 1e-3, g: 1e-3 },
  ) {
    // Variable names must be unique per tfjs engine; a counter keeps several toys apart.
    const id = instances++;
    this.g = mlp(`toyG${id}`, 2, seed * 10);
    this.d = mlp(`toyD${id}`, 1, seed * 10 + 5);
    this.rates = { ...rates };
    this.gOpt = tf.train.adam(rates.g, 0.5, 0.999);
    this.dOpt = tf.train.adam(rates.d, 0.5, 0.999);
    this.real = sampleToy(dataset, SHOWN, seed + 1);
    this.zShown = tf.randomNormal([SHOWN, 2], 0, 1, 'float32', seed + 2);
    this.plane = tf.tidy(() => {
      const coords = new Float32Array(2 * SURFACE * SURFACE);
      for (let r = 0; r < SURFACE; r++)
        for (let c = 0; c < SURFACE; c++) {
          const i = r * SURFACE + c;
          coords[2 * i] = -TOY_EXTENT + ((c + 0.5) / SURFACE) * 2 * TOY_EXTENT;
          coords[2 * i + 1] = TOY_EXTENT - ((r + 0.5) / SURFACE) * 2 * TOY_EXTENT;
        }
      return tf.tensor2d(coords, [SURFACE * SURFACE, 2]);
    });
  }

  /**
   * New learning rates for D and G. tfjs's Adam fixes its rate at creation, so a changed rate
   * means a fresh optimiser for that network: its moment estimates start again from zero.
   */
  setLearningRates(rates: { d: number; g: number }): void {
    if (!(rates.d > 0 && rates.g > 0)) throw new Error(`learn/toy2d: learning rates must be > 0, got D ${rates.d}, G ${rates.g}`);
    if (rates.d !== this.rates.d) {
      this.dOpt.dispose();
      this.dOpt = tf.train.adam(rates.d, 0.5, 0.999);
    }
    if (rates.g !== this.rates.g) {
      this.gOpt.dispose();
      this.gOpt = tf.train.adam(rates.g, 0.5, 0.999);
    }
    this.rates = { ...rates };
  }

  /** Weights of D (`d`) or G (`g`), read back (for tests). */
  weights(which: 'd' | 'g'): Float32Array[] {
    return vars(which === 'd' ? this.d : this.g).map((v) => Float32Array.from(v.dataSync()));
  }

  /** One update of D, G or both on a fresh batch (D first, as in the image GAN). */
  step(parts: { d: boolean; g: boolean }): void {
    const s = this.steps++;
    const values = tf.tidy(() => {
      const real = tf.tensor2d(sampleToy(this.dataset, BATCH, this.seed * 1000 + s), [BATCH, 2]);
      const z = tf.randomNormal([BATCH, 2], 0, 1, 'float32', this.seed * 7919 + s) as tf.Tensor2D;
      const fake = forward(this.g, z);
      let dReal!: tf.Tensor;
      let dFake!: tf.Tensor;
      const d = tf.variableGrads(() => {
        const realLogits = forward(this.d, real);
        const fakeLogits = forward(this.d, fake);
        dReal = tf.keep(tf.sigmoid(realLogits).mean());
        dFake = tf.keep(tf.sigmoid(fakeLogits).mean());
        return bce(realLogits, 1).add(bce(fakeLogits, 0)) as tf.Scalar;
      }, vars(this.d));
      if (parts.d) this.dOpt.applyGradients(named(d.grads));
      const g = tf.variableGrads(() => bce(forward(this.d, forward(this.g, z)), 1), vars(this.g));
      if (parts.g) this.gOpt.applyGradients(named(g.grads));
      const out = tf.stack([d.value, g.value, dReal, dFake, norm(d.grads), norm(g.grads)]);
      tf.dispose([dReal, dFake]);
      return out;
    });
    const [lossD, lossG, dReal, dFake, gradNormD, gradNormG] = values.dataSync();
    values.dispose();
    this.metrics = { lossD, lossG, dReal, dFake, gradNormD, gradNormG };
    if (parts.d) this.dUpdates++;
    if (parts.g) this.gUpdates++;
  }

  async view(): Promise<ToyView> {
    const [fake, surface, arrows] = tf.tidy(() => {
      const fakePoints = forward(this.g, this.zShown);
      const surfaceProb = tf.sigmoid(forward(this.d, this.plane)).reshape([SURFACE * SURFACE]);
      // Where G's loss falls fastest for each generated point: the arrows of GAN Lab.
      const push = tf.grad((x: tf.Tensor) => bce(forward(this.d, x as tf.Tensor2D), 1))(fakePoints).neg();
      return [fakePoints, surfaceProb, push];
    });
    const [f, s, a] = await Promise.all([fake.data(), surface.data(), arrows.data()]);
    tf.dispose([fake, surface, arrows]);
    return {
      dataset: this.dataset,
      extent: TOY_EXTENT,
      real: this.real,
      fake: Float32Array.from(f),
      surface: Float32Array.from(s),
      surfaceSize: SURFACE,
      // The gradient of a mean over SHOWN points is 1/SHOWN of each point's own; undo that for reading.
      arrows: Float32Array.from(a, (v) => v * SHOWN),
      dUpdates: this.dUpdates,
      gUpdates: this.gUpdates,
      metrics: { ...this.metrics },
      modes: modeCoverage(this.dataset, f as Float32Array),
    };
  }

  dispose(): void {
    tf.dispose([...vars(this.g), ...vars(this.d), this.zShown, this.plane]);
    this.gOpt.dispose();
    this.dOpt.dispose();
  }
}
