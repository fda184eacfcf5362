/**
 * The built-in procedural "phantom" dataset: the studio's default data, so that it is useful
 * with no scans at all (classrooms, tests, first launch). Two modalities, two classes each,
 * where class 1 carries a lesion that a generator or classifier can learn:
 *
 * - head-ct: the modified Shepp–Logan head (Toft 1996) with per-image random perturbation of
 *   every ellipse, a random pose and CT-like noise; class 1 adds a hyperdense bleed.
 * - chest-xray: a frontal radiograph-like body with dark lung fields, mediastinum and heart,
 *   spine and ribs; class 1 adds a consolidation (soft haze) in one lung.
 *
 * Every image is a pure function of (seed, index), so a dataset is reproducible byte for byte
 * and any slice of it can be generated independently.
 */
import { Random, deriveSeed } from './random';

export type PhantomModality = 'head-ct' | 'chest-xray';
export const PHANTOM_MODALITIES: readonly PhantomModality[] = ['head-ct', 'chest-xray'];
export const PHANTOM_SIZES = [32, 64, 128] as const;
export type PhantomSize = (typeof PHANTOM_SIZES)[number];

export const PHANTOM_CLASS_NAMES: Record<PhantomModality, readonly [string, string]> = {
  'head-ct': ['normal', 'haemorrhage'],
  'chest-xray': ['normal', 'consolidation'],
};

export interface PhantomRequest {
  modality: PhantomModality;
  size: PhantomSize;
  count: number;
  seed: number;
  /** First index to generate; lets a worker generate a large set in chunks. */
  offset?: number;
}

export interface PhantomSet {
  modality: PhantomModality;
  size: number;
  count: number;
  /** count × size × size grey values, row-major, 0..255. */
  images: Uint8Array;
  /** 0 or 1 per image; exactly balanced over every even-length run of indices. */
  labels: Uint8Array;
  classNames: readonly [string, string];
}

/** Soft-edged primitives in normalised coordinates: x, y in [-1, 1], y pointing down. */
interface Ellipse {
  kind: 'ellipse';
  cx: number;
  cy: number;
  a: number;
  b: number;
  theta: number;
  value: number;
}
interface Blob {
  kind: 'blob';
  cx: number;
  cy: number;
  sigma: number;
  value: number;
}
interface Arc {
  kind: 'arc';
  /** Parabola y = cy + curvature·(x − cx)², drawn for x within [x0, x1]. */
  cx: number;
  cy: number;
  curvature: number;
  x0: number;
  x1: number;
  halfWidth: number;
  value: number;
}
type Primitive = Ellipse | Blob | Arc;

interface Scene {
  primitives: Primitive[];
  /** Pose applied to sample coordinates before evaluating primitives. */
  rotation: number;
  scale: number;
  shiftX: number;
  shiftY: number;
  /** Clip of the final intensity before mapping to 0..255. */
  low: number;
  high: number;
  noiseSigma: number;
}

export function validatePhantomRequest(req: PhantomRequest): void {
  if (!PHANTOM_MODALITIES.includes(req.modality)) {
    throw new Error(`Unknown phantom modality "${req.modality}"; expected one of ${PHANTOM_MODALITIES.join(', ')}`);
  }
  if (!(PHANTOM_SIZES as readonly number[]).includes(req.size)) {
    throw new Error(`Phantom size ${req.size} is not supported; expected one of ${PHANTOM_SIZES.join(', ')}`);
  }
  if (!Number.isInteger(req.count) || req.count < 1) {
    throw new Error(`Phantom count must be a positive integer, got ${req.count}`);
  }
  if (!Number.isInteger(req.seed)) throw new Error(`Phantom seed must be an integer, got ${req.seed}`);
}

/** Label of image `index`: alternating, so classes are balanced in every chunk. */
export function phantomLabel(index: number): 0 | 1 {
  return (index % 2) as 0 | 1;
}

export function generatePhantoms(req: PhantomRequest): PhantomSet {
  validatePhantomRequest(req);
  const { modality, size, count, seed } = req;
  const offset = req.offset ?? 0;
  const images = new Uint8Array(count * size * size);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const index = offset + i;
    const label = phantomLabel(index);
    labels[i] = label;
    const rng = new Random(deriveSeed(seed, index));
    images.set(renderPhantom(modality, size, label, rng), i * size * size);
  }
  return { modality, size, count, images, labels, classNames: PHANTOM_CLASS_NAMES[modality] };
}

export function renderPhantom(modality: PhantomModality, size: number, label: 0 | 1, rng: Random): Uint8Array {
  const scene = modality === 'head-ct' ? headCtScene(label, rng) : chestXrayScene(label, rng);
  return rasterise(scene, size, rng);
}

// Modified Shepp–Logan (Toft): [value, a, b, cx, cy, theta°]. y is flipped to image rows.
const SHEPP_LOGAN: ReadonlyArray<readonly [number, number, number, number, number, number]> = [
  [1.0, 0.69, 0.92, 0, 0, 0],
  [-0.8, 0.6624, 0.874, 0, -0.0184, 0],
  [-0.2, 0.11, 0.31, 0.22, 0, -18],
  [-0.2, 0.16, 0.41, -0.22, 0, 18],
  [0.1, 0.21, 0.25, 0, 0.35, 0],
  [0.1, 0.046, 0.046, 0, 0.1, 0],
  [0.1, 0.046, 0.046, 0, -0.1, 0],
  [0.1, 0.046, 0.023, -0.08, -0.605, 0],
  [0.1, 0.023, 0.023, 0, -0.606, 0],
  [0.1, 0.023, 0.046, 0.06, -0.605, 0],
];

function headCtScene(label: 0 | 1, rng: Random): Scene {
  // The skull and the brain share one size jitter so the skull keeps an even thickness.
  const headA = rng.uniform(-0.04, 0.04);
  const headB = rng.uniform(-0.04, 0.04);
  const primitives: Primitive[] = SHEPP_LOGAN.map(([value, a, b, cx, cy, theta], i) => {
    if (i < 2) {
      return { kind: 'ellipse', value, a: a * (1 + headA), b: b * (1 + headB), cx, cy: -cy, theta: 0 };
    }
    const jitter = 0.15;
    return {
      kind: 'ellipse',
      value: value * rng.uniform(0.6, 1.4),
      a: a * (1 + rng.uniform(-jitter, jitter)),
      b: b * (1 + rng.uniform(-jitter, jitter)),
      cx: cx + rng.uniform(-0.04, 0.04),
      cy: -cy + rng.uniform(-0.04, 0.04),
      theta: ((theta + rng.uniform(-10, 10)) * Math.PI) / 180,
    };
  });
  if (label === 1) {
    // A hyperdense bleed inside the brain, away from the skull: radius 8–14 % of the field of view
    // so that it survives at 32 px.
    const angle = rng.uniform(0, 2 * Math.PI);
    const radius = rng.uniform(0.1, 0.45);
    const size = rng.uniform(0.08, 0.14);
    primitives.push({
      kind: 'ellipse',
      value: rng.uniform(0.3, 0.45),
      a: size * rng.uniform(0.8, 1.25),
      b: size * rng.uniform(0.8, 1.25),
      cx: radius * 0.55 * Math.cos(angle),
      cy: radius * 0.75 * Math.sin(angle),
      theta: rng.uniform(0, Math.PI),
    });
  }
  return {
    primitives,
    rotation: rng.uniform(-0.15, 0.15),
    scale: rng.uniform(0.92, 1.05),
    shiftX: rng.uniform(-0.04, 0.04),
    shiftY: rng.uniform(-0.04, 0.04),
    // A brain-window-like display: soft tissue mid-grey, skull and bleed saturate to white.
    low: 0,
    high: 0.5,
    noiseSigma: rng.uniform(0.008, 0.018),
  };
}

function chestXrayScene(label: 0 | 1, rng: Random): Scene {
  const j = (v: number, amount: number) => v * (1 + rng.uniform(-amount, amount));
  const lungValue = -rng.uniform(0.3, 0.4);
  const primitives: Primitive[] = [
    // Soft tissue of the trunk.
    { kind: 'ellipse', cx: 0, cy: 0.1, a: j(0.92, 0.04), b: j(1.05, 0.03), theta: 0, value: 0.55 },
    // Lung fields.
    { kind: 'ellipse', cx: -j(0.36, 0.08), cy: -0.02, a: j(0.27, 0.08), b: j(0.62, 0.06), theta: j(0.08, 0.5), value: lungValue },
    { kind: 'ellipse', cx: j(0.36, 0.08), cy: -0.04, a: j(0.27, 0.08), b: j(0.6, 0.06), theta: -j(0.08, 0.5), value: lungValue },
    // Mediastinum and heart (the heart sits to the patient's left, image right).
    { kind: 'ellipse', cx: 0, cy: -0.15, a: j(0.12, 0.1), b: 0.45, theta: 0, value: 0.1 },
    { kind: 'ellipse', cx: j(0.12, 0.3), cy: j(0.22, 0.1), a: j(0.3, 0.1), b: j(0.24, 0.1), theta: 0.35, value: rng.uniform(0.12, 0.18) },
    // Spine.
    { kind: 'ellipse', cx: 0, cy: 0.1, a: 0.055, b: 1.1, theta: 0, value: 0.18 },
  ];
  // Ribs: arcs on each side, evenly spaced with jitter.
  const ribCount = 7;
  for (let side = -1; side <= 1; side += 2) {
    for (let r = 0; r < ribCount; r++) {
      const cy = -0.62 + r * 0.17 + rng.uniform(-0.02, 0.02);
      primitives.push({
        kind: 'arc',
        cx: side * 0.05,
        cy,
        curvature: rng.uniform(0.35, 0.55),
        x0: side < 0 ? -0.72 : 0.06,
        x1: side < 0 ? -0.06 : 0.72,
        halfWidth: rng.uniform(0.018, 0.028),
        value: rng.uniform(0.1, 0.16),
      });
    }
  }
  if (label === 1) {
    // Consolidation: a soft opacity filling part of one lung.
    const side = rng.next() < 0.5 ? -1 : 1;
    primitives.push({
      kind: 'blob',
      cx: side * rng.uniform(0.28, 0.42),
      cy: rng.uniform(-0.3, 0.35),
      sigma: rng.uniform(0.12, 0.2),
      value: rng.uniform(0.35, 0.5),
    });
  }
  return {
    primitives,
    rotation: rng.uniform(-0.06, 0.06),
    scale: rng.uniform(0.95, 1.05),
    shiftX: rng.uniform(-0.04, 0.04),
    shiftY: rng.uniform(-0.03, 0.03),
    low: 0,
    high: 1,
    noiseSigma: rng.uniform(0.01, 0.03),
  };
}

/** A primitive compiled for fast evaluation: trigonometry and bounds computed once per image. */
type Compiled = (x: number, y: number) => number;

function compile(p: Primitive): { fn: Compiled; minX: number; maxX: number; minY: number; maxY: number } {
  if (p.kind === 'ellipse') {
    const c = Math.cos(p.theta);
    const s = Math.sin(p.theta);
    const ia = 1 / p.a;
    const ib = 1 / p.b;
    const r = Math.max(p.a, p.b);
    return {
      fn: (x, y) => {
        const dx = x - p.cx;
        const dy = y - p.cy;
        const u = (dx * c + dy * s) * ia;
        const w = (-dx * s + dy * c) * ib;
        return u * u + w * w <= 1 ? p.value : 0;
      },
      minX: p.cx - r,
      maxX: p.cx + r,
      minY: p.cy - r,
      maxY: p.cy + r,
    };
  }
  if (p.kind === 'blob') {
    const k = -1 / (2 * p.sigma * p.sigma);
    const r = 6 * p.sigma; // exp(-18) ≈ 2e-8: beyond it the blob cannot change an 8-bit value
    return {
      fn: (x, y) => p.value * Math.exp(((x - p.cx) ** 2 + (y - p.cy) ** 2) * k),
      minX: p.cx - r,
      maxX: p.cx + r,
      minY: p.cy - r,
      maxY: p.cy + r,
    };
  }
  const spread = p.curvature * Math.max((p.x0 - p.cx) ** 2, (p.x1 - p.cx) ** 2);
  return {
    fn: (x, y) => (x >= p.x0 && x <= p.x1 && Math.abs(y - (p.cy + p.curvature * (x - p.cx) * (x - p.cx))) <= p.halfWidth ? p.value : 0),
    minX: p.x0,
    maxX: p.x1,
    minY: p.cy - p.halfWidth - Math.max(0, -spread),
    maxY: p.cy + p.halfWidth + Math.max(0, spread),
  };
}

/** 3×3 supersampling per pixel, so edges are antialiased at every size. */
const SUBSAMPLES = 3;

function rasterise(scene: Scene, size: number, rng: Random): Uint8Array {
  const out = new Uint8Array(size * size);
  const cos = Math.cos(scene.rotation);
  const sin = Math.sin(scene.rotation);
  const step = 2 / size;
  const range = scene.high - scene.low;
  const compiled = scene.primitives.map(compile);
  const active: Compiled[] = [];
  const samples = SUBSAMPLES * SUBSAMPLES;
  const xs = new Float64Array(samples);
  const ys = new Float64Array(samples);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      // Map this pixel's sub-samples into scene coordinates, and keep only primitives whose
      // bounding box the pixel touches (most pixels touch few).
      let minX = Infinity;
      let maxX = -Infinity;
      let minY = Infinity;
      let maxY = -Infinity;
      for (let sy = 0, k = 0; sy < SUBSAMPLES; sy++) {
        for (let sx = 0; sx < SUBSAMPLES; sx++, k++) {
          const qx = (-1 + (col + (sx + 0.5) / SUBSAMPLES) * step - scene.shiftX) / scene.scale;
          const qy = (-1 + (row + (sy + 0.5) / SUBSAMPLES) * step - scene.shiftY) / scene.scale;
          xs[k] = qx * cos + qy * sin;
          ys[k] = -qx * sin + qy * cos;
          minX = Math.min(minX, xs[k]);
          maxX = Math.max(maxX, xs[k]);
          minY = Math.min(minY, ys[k]);
          maxY = Math.max(maxY, ys[k]);
        }
      }
      active.length = 0;
      for (const c of compiled) if (c.maxX >= minX && c.minX <= maxX && c.maxY >= minY && c.minY <= maxY) active.push(c.fn);
      let sum = 0;
      for (let k = 0; k < samples; k++) for (const fn of active) sum += fn(xs[k], ys[k]);
      const value = sum / samples + scene.noiseSigma * rng.normal();
      const normalised = (value - scene.low) / range;
      out[row * size + col] = Math.round(255 * Math.min(1, Math.max(0, normalised)));
    }
  }
  return out;
}
