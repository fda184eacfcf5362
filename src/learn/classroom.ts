/**
 * The classroom: a small GAN, a small VAE and a small diffusion model (DDPM) trained side by side
 * on the same images, plus a 2-D toy GAN, so a class can watch them learn step by step from fixed noise. The session lives here,
 * in the worker, until it is restarted: the Learn stage may close and reopen and find it where it
 * was (current()). No checkpoints: this is a demonstration, restarted at will.
 *
 * A step is one round: with `part` 'both', the GAN takes dSteps − 1 discriminator-only updates and
 * then one update of both, the VAE and the DDPM one step each (on the same batch) and the toy the
 * same as the GAN; with 'd' or 'g', the GAN and the toy update that network alone and the VAE and
 * the DDPM wait.
 *
 * Every QUALITY_EVERY full steps (and on demand) the three models' samples are measured against
 * held-out real images with the studio's checkpoint quality figure (KID on radiomics features,
 * training/quality.ts), so the table compares them on one scale.
 */
import * as tf from '@tensorflow/tfjs';
import { alphaBars, createModel, downloadBytes, readMetrics, type BetaSchedule } from '../../models';
import type { Dcgan } from '../../models/dcgan';
import type { Ddpm } from '../../models/ddpm';
import type { Vae } from '../../models/vae';
import type { KeyValueStore } from '../storage/keyValueStore';
import { readSplit } from '../storage/datasetSplits';
import { qualityFeatures, qualityKid } from '../training/quality';
import type { FeatureMatrix } from '../metrics/types';
import { TrainingData } from '../training/trainingData';
import { openRunModel } from '../training/openCheckpoint';
import type { MetricRow } from '../training/runTypes';
import { ganFailures, meanPairwiseDistance, toyModeFailure, vaeFailures, type Failure, type FailureId } from './failures';
import { Toy2d, type ToyDataset, type ToyView } from './toy2d';

export type StepPart = 'both' | 'd' | 'g';

export interface ClassroomSettings {
  /** Adam learning rates of the GAN's discriminator and generator. */
  lrD: number;
  lrG: number;
  /** Discriminator updates per generator update (in 'both' steps). */
  dSteps: number;
  ganLatent: number;
  vaeLatent: number;
  /** β of the VAE: the weight of its KL term. */
  beta: number;
  toyDataset: ToyDataset;
}

export const DEFAULT_SETTINGS: ClassroomSettings = { lrD: 2e-4, lrG: 2e-4, dSteps: 1, ganLatent: 32, vaeLatent: 16, beta: 1, toyDataset: 'ring' };

export interface Preset {
  id: string;
  name: string;
  /** The failure it provokes (null: a healthy start). */
  provokes: FailureId | null;
  /** What to watch for, in plain words. */
  explanation: string;
  settings: ClassroomSettings;
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'balanced',
    name: 'Balanced (the defaults)',
    provokes: null,
    explanation: 'Equal learning rates, one D step per G step, β = 1: both models learn; the GAN’s losses wobble around each other.',
    settings: DEFAULT_SETTINGS,
  },
  {
    id: 'mode-collapse',
    name: 'Mode collapse',
    provokes: 'mode-collapse',
    explanation:
      'The discriminator barely learns (a learning rate 1000× smaller than G’s) and G draws from a 2-number code: G finds the one picture this almost fixed D likes best and draws it for every code. Watch D score the fakes 1.00 while the GAN grid turns into one image (measured at 32 px: grid similarity 0.97 against 0.76 for real images by step 200).',
    settings: { ...DEFAULT_SETTINGS, lrD: 2e-6, lrG: 2e-3, ganLatent: 2 },
  },
  {
    id: 'discriminator-wins',
    name: 'A discriminator that wins',
    provokes: 'discriminator-wins',
    explanation:
      'D takes five fast steps for each slow G step: it soon tells every fake from every real image and lossD drops to 0. G is still pushed hard (its gradient stays large) but D moves faster than G can follow, so the samples stop improving.',
    settings: { ...DEFAULT_SETTINGS, lrD: 2e-3, lrG: 2e-5, dSteps: 5 },
  },
  {
    id: 'posterior-collapse',
    name: 'Posterior collapse',
    provokes: 'posterior-collapse',
    explanation: 'β = 500 makes every bit of information in the code too expensive: the KL falls to 0, the encoder is ignored and the VAE draws the same average head for every code.',
    settings: { ...DEFAULT_SETTINGS, beta: 500 },
  },
];

/** Stored runs (e.g. the built-in pretrained models) the classroom's GAN, VAE and DDPM start from, instead of random weights. */
export interface PretrainedStart {
  ganRunId?: string;
  vaeRunId?: string;
  ddpmRunId?: string;
}

/** A model the session started from: the run's name and the step its weights come from. */
export interface StartedFrom {
  name: string;
  step: number;
}

export interface ClassroomUpdate {
  datasetId: string;
  /** Where the GAN, the VAE and the DDPM started (null: random weights). */
  startedFrom: { gan: StartedFrom | null; vae: StartedFrom | null; ddpm: StartedFrom | null };
  datasetName: string;
  settings: ClassroomSettings;
  /** Steps (rounds) taken, of any kind. */
  step: number;
  dUpdates: number;
  gUpdates: number;
  vaeSteps: number;
  /** Full steps of the diffusion model in this session (the same as vaeSteps). */
  ddpmSteps: number;
  /** The last step's numbers; empty before the first. */
  gan: Record<string, number>;
  vae: Record<string, number>;
  ddpm: Record<string, number>;
  /** 16 samples each, from fixed noise, 0..255 (the DDPM's by DDIM in GRID_SAMPLING_STEPS passes). */
  ganGrid: Uint8Array;
  vaeGrid: Uint8Array;
  ddpmGrid: Uint8Array;
  /** The VAE walking its code space from one real image to another (INTERPOLATION_STEPS tiles). */
  interpolation: { from: number; to: number; grid: Uint8Array };
  /** Every quality measurement so far, oldest first. */
  quality: QualityReading[];
  /** Why quality cannot be measured (no held-out images), or null. */
  qualityUnavailable: string | null;
  /** 16 real training images, and the VAE's reconstructions of them. */
  realGrid: Uint8Array;
  reconGrid: Uint8Array;
  /** D's probability of "real" for each tile of realGrid and of ganGrid. */
  dScoresReal: number[];
  dScoresFake: number[];
  /** KL of each VAE latent dimension on the 16 real images (nats). */
  klPerDimension: number[];
  /** Mean pairwise distance (0..1) of the GAN grid and of the real grid: the GAN's diversity against the data's. */
  ganDistance: number;
  realDistance: number;
  failures: Failure[];
  toy: ToyView;
  resolution: number;
  msPerStep: number;
  lastPart: StepPart | null;
  playing: boolean;
}

/** The forward diffusion process at one noise level, on the classroom's real images. */
export interface NoisingView {
  t: number;
  timesteps: number;
  schedule: BetaSchedule;
  /** ᾱ_t: the share of the signal's variance left (1 at t = 0). */
  alphaBar: number;
  /** The 16 real images as x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε with fixed ε, 0..255. */
  grid: Uint8Array;
  resolution: number;
}

/** The DDPM's schedule (models/ddpm.ts, the studio's default T and cosine schedule). */
export const DIFFUSION_STEPS = 1000;
/** DDIM passes for the DDPM's sample grid (few, so a snapshot stays quick). */
export const GRID_SAMPLING_STEPS = 10;
/** DDIM passes of the reverse-process animation: its frames. */
export const REVERSE_STEPS = 20;
/** Images shown in the reverse-process animation (the first of the DDPM grid's fixed noises). */
export const REVERSE_IMAGES = 8;
export const INTERPOLATION_STEPS = 8;
/** Full steps between quality measurements, and the samples (and held-out images) each one uses. */
export const QUALITY_EVERY = 100;
export const QUALITY_SAMPLES = 40;

/** One quality measurement of the three models: KID against held-out real images (lower is better). */
export interface QualityReading {
  step: number;
  /** Full steps each model had taken. */
  modelSteps: number;
  gan: number;
  vae: number;
  ddpm: number;
  /** Samples per model, and held-out real images. */
  n: number;
  real: number;
  ms: number;
}

/** The reverse (denoising) process of the classroom's DDPM, frame by frame, from fixed noise. */
export interface ReverseView {
  /** Full steps the DDPM had taken in this session when this was drawn (a pretrained one had more before). */
  ddpmSteps: number;
  frames: { t: number; alphaBar: number; grid: Uint8Array; x0Grid: Uint8Array }[];
  count: number;
  resolution: number;
}

/** What the Learn stage needs to reattach: the last update and every reading so far. */
export interface ClassroomSession {
  update: ClassroomUpdate;
  ganRows: MetricRow[];
  vaeRows: MetricRow[];
  ddpmRows: MetricRow[];
  toyRows: MetricRow[];
}

const GRID = 16;
const SEED = 7;
/** The 2-D networks learn at this multiple of the image GAN's rates (1e-3 at the defaults): tiny MLPs take larger steps. */
export const TOY_RATE_FACTOR = 5;
const toyRates = (s: ClassroomSettings) => ({ d: TOY_RATE_FACTOR * s.lrD, g: TOY_RATE_FACTOR * s.lrG });
const MAX_ROWS = 5000;

export function checkSettings(s: ClassroomSettings): void {
  const fail = (what: string) => {
    throw new Error(`Classroom settings: ${what}`);
  };
  if (!(s.lrD > 0 && s.lrD <= 0.1) || !(s.lrG > 0 && s.lrG <= 0.1)) fail('learning rates must be in (0, 0.1]');
  if (!Number.isInteger(s.dSteps) || s.dSteps < 1 || s.dSteps > 20) fail('D steps per G step must be 1 to 20');
  for (const [name, v] of [['GAN latent size', s.ganLatent], ['VAE latent size', s.vaeLatent]] as const)
    if (!Number.isInteger(v) || v < 1 || v > 256) fail(`${name} must be 1 to 256`);
  if (!(s.beta >= 0 && s.beta <= 10000)) fail('β must be in [0, 10000]');
}

interface Session {
  gan: Dcgan;
  vae: Vae;
  ddpm: Ddpm;
  toy: Toy2d;
  data: TrainingData;
  settings: ClassroomSettings;
  realImages: tf.Tensor4D;
  realGrid: Uint8Array;
  step: number;
  vaeSteps: number;
  ganRows: MetricRow[];
  vaeRows: MetricRow[];
  ddpmRows: MetricRow[];
  toyRows: MetricRow[];
  interpolationPair: { from: number; to: number };
  /** Held-out features, read once; null when the data set has too few held-out images. */
  heldOut: FeatureMatrix | null;
  quality: QualityReading[];
  last: ClassroomUpdate | null;
  startedFrom: ClassroomUpdate['startedFrom'];
}

export class Classroom {
  private session: Session | null = null;
  private playing = false;
  /** Every operation runs after the previous one, so a restart never frees models mid-step. */
  private queue: Promise<unknown> = Promise.resolve();
  private speed = { every: 5, delayMs: 0 };

  /**
   * width: channels of the networks' first level (16 in the studio); gridPasses: the DDPM grid's
   * denoising passes (GRID_SAMPLING_STEPS in the studio). Tests use fewer of both for speed on the cpu backend.
   */
  constructor(
    private readonly store: KeyValueStore,
    private readonly width = 16,
    private readonly gridPasses = GRID_SAMPLING_STEPS,
  ) {}

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * A new session on a dataset. With `from`, the GAN, the VAE and/or the DDPM start from a stored run's
   * newest checkpoint (its latent size and β then replace the settings'); the 2-D toy starts fresh.
   */
  start(datasetId: string, settings: ClassroomSettings = DEFAULT_SETTINGS, from: PretrainedStart = {}): Promise<ClassroomUpdate> {
    checkSettings(settings);
    this.playing = false;
    return this.serial(async () => {
      this.dispose();
      const data = await TrainingData.load(this.store, datasetId);
      const { width, channels, name } = data.meta;
      if (channels !== 1) throw new Error(`The classroom uses grey images; "${name}" is RGB`);
      if (width > 64) throw new Error(`The classroom trains at 64 px at most, for speed; "${name}" is ${width} px`);
      // Small enough to take a step in well under a second on a laptop CPU, big enough to learn shapes.
      const common = { resolution: width, channels: 1 as const, numClasses: 0, batchSize: 16, seed: SEED, width: this.width };
      const startedFrom: Session['startedFrom'] = { gan: null, vae: null, ddpm: null };
      const role = { dcgan: 'gan', vae: 'vae', ddpm: 'ddpm' } as const;
      const pretrained = async (runId: string, kind: 'dcgan' | 'vae' | 'ddpm') => {
        const opened = await openRunModel(this.store, runId, 'latest');
        const c = opened.config;
        if (c.kind !== kind || c.resolution !== width || c.channels !== 1 || c.numClasses !== 0 || c.batchSize !== common.batchSize) {
          opened.model.dispose();
          throw new Error(
            `The classroom can start its ${role[kind].toUpperCase()} from a ${kind} of ${width} px grey images without classes and batch ${common.batchSize}; "${opened.record.settings.name}" is a ${c.kind} of ${c.resolution} px${c.numClasses ? ` with ${c.numClasses} classes` : ''}, batch ${c.batchSize}`,
          );
        }
        startedFrom[role[kind]] = { name: opened.record.settings.name, step: opened.step };
        return opened.model;
      };
      const gan = (from.ganRunId ? await pretrained(from.ganRunId, 'dcgan') : createModel({ kind: 'dcgan', ...common, latentDim: settings.ganLatent })) as Dcgan;
      let vae: Vae;
      let ddpm: Ddpm;
      try {
        vae = (from.vaeRunId ? await pretrained(from.vaeRunId, 'vae') : createModel({ kind: 'vae', ...common, latentDim: settings.vaeLatent, beta: settings.beta })) as Vae;
        try {
          // The studio's DDPM (cosine schedule, T = 1000), as narrow as the others. Its grid always
          // samples in gridPasses DDIM passes (a pretrained one's own samplingSteps is for Generate).
          ddpm = (from.ddpmRunId ? await pretrained(from.ddpmRunId, 'ddpm') : createModel({ kind: 'ddpm', ...common, samplingSteps: this.gridPasses })) as Ddpm;
        } catch (error) {
          vae.dispose();
          throw error;
        }
      } catch (error) {
        gan.dispose();
        throw error;
      }
      // A pretrained model keeps its own code size and β: the settings say what is running.
      settings = { ...settings, ganLatent: gan.config.latentDim, vaeLatent: vae.config.latentDim, beta: vae.config.beta };
      gan.setLearningRates({ d: settings.lrD, g: settings.lrG });
      const realImages = data.batch(0, GRID, SEED + 1, false).images;
      const realGrid = await downloadBytes(() => realImages.clone());
      const heldOut = await this.heldOutFeatures(data);
      this.session = {
        gan,
        vae,
        ddpm,
        toy: new Toy2d(settings.toyDataset, undefined, toyRates(settings)),
        data,
        settings: { ...settings },
        realImages,
        realGrid,
        step: 0,
        vaeSteps: 0,
        ganRows: [],
        vaeRows: [],
        ddpmRows: [],
        toyRows: [],
        interpolationPair: { from: 0, to: 1 },
        heldOut,
        quality: [],
        last: null,
        startedFrom,
      };
      return this.snapshot(0, null, null, null, null);
    });
  }

  /** Learning rates and D steps change at once; latent sizes, β and the toy data set need a restart. */
  configure(settings: ClassroomSettings): Promise<ClassroomUpdate> {
    checkSettings(settings);
    return this.serial(async () => {
      const s = this.require();
      s.gan.setLearningRates({ d: settings.lrD, g: settings.lrG });
      s.toy.setLearningRates(toyRates(settings));
      s.settings = { ...s.settings, lrD: settings.lrD, lrG: settings.lrG, dSteps: settings.dSteps };
      const last = s.last!;
      return (s.last = { ...last, settings: { ...s.settings } });
    });
  }

  step(steps: number, part: StepPart = 'both'): Promise<ClassroomUpdate> {
    if (!Number.isInteger(steps) || steps < 1 || steps > 1000) throw new Error(`Steps must be 1 to 1000, got ${steps}`);
    return this.serial(() => this.advance(steps, part));
  }

  /** The session as it stands (after the step in progress), or null before the first start. */
  current(): Promise<ClassroomSession | null> {
    return this.serial(async () => {
      const s = this.session;
      if (!s?.last) return null;
      return { update: { ...s.last, playing: this.playing }, ganRows: s.ganRows, vaeRows: s.vaeRows, ddpmRows: s.ddpmRows, toyRows: s.toyRows };
    });
  }

  /**
   * The real images noised to level t of the forward process (t = 0: the originals; t = T: almost
   * pure noise), with the same noise at every t so a slider shows one image dissolving.
   */
  noising(t: number, schedule: BetaSchedule = 'cosine'): Promise<NoisingView> {
    if (!Number.isInteger(t) || t < 0 || t > DIFFUSION_STEPS) throw new Error(`t must be 0 to ${DIFFUSION_STEPS}, got ${t}`);
    return this.serial(async () => {
      const s = this.require();
      const alphaBar = t === 0 ? 1 : alphaBars(schedule, DIFFUSION_STEPS)[t - 1];
      const grid = await downloadBytes(() => {
        const noise = tf.randomNormal(s.realImages.shape, 0, 1, 'float32', SEED + 3);
        return s.realImages.mul(Math.sqrt(alphaBar)).add(noise.mul(Math.sqrt(1 - alphaBar)));
      });
      return { t, timesteps: DIFFUSION_STEPS, schedule, alphaBar, grid, resolution: s.data.meta.width };
    });
  }

  /**
   * The DDPM's reverse process from the first REVERSE_IMAGES of its grid's fixed noise: x_t at each
   * of REVERSE_STEPS + 1 levels (pure noise at t = T − 1 down to the finished image) and the
   * network's guess of the clean image at each level.
   */
  reverse(): Promise<ReverseView> {
    return this.serial(async () => {
      const s = this.require();
      const { ddpm } = s;
      const z = tf.tidy(() => ddpm.sampleLatent(GRID, SEED).slice([0, 0], [REVERSE_IMAGES, -1]) as tf.Tensor2D);
      const frames = ddpm.trajectory(z, REVERSE_STEPS);
      z.dispose();
      const alphaBar = alphaBars(ddpm.config.betaSchedule, ddpm.config.timesteps);
      const out: ReverseView['frames'] = [];
      try {
        for (const f of frames)
          out.push({
            t: f.t,
            alphaBar: f.t < 0 ? 1 : alphaBar[f.t],
            // x_t keeps the noise's spread (beyond [-1, 1] early): clipped for display, as any image is.
            grid: await downloadBytes(() => f.x.clipByValue(-1, 1)),
            x0Grid: await downloadBytes(() => f.x0.clone()),
          });
      } finally {
        tf.dispose(frames.flatMap((f) => [f.x, f.x0]));
      }
      return { ddpmSteps: s.vaeSteps, frames: out, count: REVERSE_IMAGES, resolution: s.data.meta.width };
    });
  }

  /** Which two of the 16 real images the VAE interpolates between (shown from the next update on, and returned now). */
  interpolate(from: number, to: number): Promise<ClassroomUpdate> {
    for (const v of [from, to]) if (!Number.isInteger(v) || v < 0 || v >= GRID) throw new Error(`Interpolation images are numbered 1 to ${GRID}, got ${v + 1}`);
    return this.serial(async () => {
      const s = this.require();
      s.interpolationPair = { from, to };
      const interpolation = await this.interpolation(s);
      return (s.last = { ...s.last!, interpolation });
    });
  }

  /** Measures the three models' quality now (as every QUALITY_EVERY steps), and returns the update with it. */
  measure(): Promise<ClassroomUpdate> {
    return this.serial(async () => {
      const s = this.require();
      await this.measureQuality(s);
      return (s.last = { ...s.last!, quality: [...s.quality] });
    });
  }

  setSpeed(every: number, delayMs: number): void {
    if (!Number.isInteger(every) || every < 1 || every > 200) throw new Error(`Steps per update must be 1 to 200, got ${every}`);
    if (!(delayMs >= 0 && delayMs <= 10000)) throw new Error(`Delay must be 0 to 10000 ms, got ${delayMs}`);
    this.speed = { every, delayMs };
  }

  /** Steps until paused, reporting after every `every` steps (changeable with setSpeed while playing). */
  async play(every: number, delayMs: number, part: StepPart, onUpdate: (update: ClassroomUpdate) => void): Promise<void> {
    this.setSpeed(every, delayMs);
    this.require();
    this.playing = true;
    try {
      while (this.playing && this.session) {
        onUpdate(await this.serial(() => this.advance(this.speed.every, part)));
        if (!this.playing) break;
        await new Promise((resolve) => setTimeout(resolve, this.speed.delayMs));
      }
    } finally {
      this.playing = false;
    }
  }

  /**
   * Stops play after the step in progress and resolves with the session's update as it then stands
   * (null before a start). Play's own updates travel on a callback port of their own and can arrive
   * late or, when the page unmounts, never; this answer is the one a caller shows, so the page ends
   * on exactly the worker's step.
   */
  pause(): Promise<ClassroomUpdate | null> {
    this.playing = false;
    // Queued behind the step in flight; play's loop queues no further step once playing is false.
    return this.serial(async () => (this.session?.last ? { ...this.session.last, playing: false } : null));
  }

  get isPlaying(): boolean {
    return this.playing;
  }

  /** Ends the session and frees its models (a restart or "delete all my data"). */
  stop(): void {
    this.playing = false;
    void this.serial(async () => this.dispose());
  }

  private dispose(): void {
    const s = this.session;
    if (!s) return;
    s.gan.dispose();
    s.vae.dispose();
    s.ddpm.dispose();
    s.toy.dispose();
    s.realImages.dispose();
    this.session = null;
  }

  private async advance(steps: number, part: StepPart): Promise<ClassroomUpdate> {
    const s = this.require();
    const { gan, vae, ddpm, toy, data } = s;
    const t0 = performance.now();
    let ganMetrics: tf.Tensor1D | null = null;
    let vaeMetrics: tf.Tensor1D | null = null;
    let ddpmMetrics: tf.Tensor1D | null = null;
    const ganStep = (parts: { d: boolean; g: boolean }) => {
      const batch = data.batch(gan.step, gan.config.batchSize, SEED, false);
      ganMetrics?.dispose();
      ganMetrics = gan.trainParts(batch.images, null, parts).metrics;
      batch.images.dispose();
      toy.step(parts);
    };
    for (let i = 0; i < steps; i++) {
      if (part === 'both') {
        for (let k = 1; k < s.settings.dSteps; k++) ganStep({ d: true, g: false });
        ganStep({ d: true, g: true });
        const batch = data.batch(vae.step, vae.config.batchSize, SEED, false);
        vaeMetrics?.dispose();
        vaeMetrics = vae.trainStep(batch.images, null).metrics;
        ddpmMetrics?.dispose();
        // The same batch: the three models see the same images in the same order.
        ddpmMetrics = ddpm.trainStep(batch.images, null).metrics;
        batch.images.dispose();
        s.vaeSteps++;
      } else {
        ganStep({ d: part === 'd', g: part === 'g' });
      }
      s.step++;
    }
    const msPerStep = (performance.now() - t0) / steps;
    try {
      const measured = s.quality.at(-1)?.modelSteps ?? 0;
      if (s.heldOut && Math.floor(s.vaeSteps / QUALITY_EVERY) > Math.floor(measured / QUALITY_EVERY)) await this.measureQuality(s);
      return await this.snapshot(msPerStep, ganMetrics, vaeMetrics, ddpmMetrics, part);
    } finally {
      (ganMetrics as tf.Tensor1D | null)?.dispose();
      (vaeMetrics as tf.Tensor1D | null)?.dispose();
      (ddpmMetrics as tf.Tensor1D | null)?.dispose();
    }
  }

  /** Held-out real images (validation split, else test) in the quality figure's feature space, or null with fewer than 20. */
  private async heldOutFeatures(data: TrainingData): Promise<FeatureMatrix | null> {
    const { meta } = data;
    for (const split of ['val', 'test'] as const) {
      const images = await readSplit(this.store, meta, split, { max: QUALITY_SAMPLES, seed: SEED });
      if (images.count >= 20) return qualityFeatures({ pixels: images.pixels, labels: images.labels, side: meta.width, channels: meta.channels });
    }
    return null;
  }

  private async measureQuality(s: Session): Promise<void> {
    if (!s.heldOut) throw new Error(`"${s.data.meta.name}" has fewer than 20 held-out (validation or test) images: quality cannot be measured`);
    const started = performance.now();
    const { width, channels } = s.data.meta;
    const labels = new Int32Array(QUALITY_SAMPLES);
    // Noise of its own (not the grid's), the same at every measurement: differences are the models'.
    const kid = async (model: Dcgan | Vae | Ddpm) => {
      const pixels = await downloadBytes(() => model.generate(model.sampleLatent(QUALITY_SAMPLES, SEED + 5), null, this.samplingOptions(model)));
      return qualityKid(s.heldOut!, qualityFeatures({ pixels, labels, side: width, channels }));
    };
    const [gan, vae, ddpm] = [await kid(s.gan), await kid(s.vae), await kid(s.ddpm)];
    s.quality.push({ step: s.step, modelSteps: s.vaeSteps, gan, vae, ddpm, n: QUALITY_SAMPLES, real: s.heldOut.rows, ms: Math.round(performance.now() - started) });
  }

  private async interpolation(s: Session): Promise<ClassroomUpdate['interpolation']> {
    const { from, to } = s.interpolationPair;
    const grid = await downloadBytes(() => {
      const pair = tf.concat([s.realImages.slice([from], [1]), s.realImages.slice([to], [1])]) as tf.Tensor4D;
      return s.vae.interpolate(pair, INTERPOLATION_STEPS);
    });
    return { from, to, grid };
  }

  private async snapshot(
    msPerStep: number,
    ganMetrics: tf.Tensor1D | null,
    vaeMetrics: tf.Tensor1D | null,
    ddpmMetrics: tf.Tensor1D | null,
    part: StepPart | null,
  ): Promise<ClassroomUpdate> {
    const s = this.require();
    const { gan, vae, ddpm, toy, realImages } = s;
    const r = s.data.meta.width;
    const ganGrid = await downloadBytes(() => gan.generate(gan.sampleLatent(GRID, SEED), null));
    const vaeGrid = await downloadBytes(() => vae.generate(vae.sampleLatent(GRID, SEED), null));
    const ddpmGrid = await downloadBytes(() => ddpm.generate(ddpm.sampleLatent(GRID, SEED), null, this.samplingOptions(ddpm)));
    const interpolation = await this.interpolation(s);
    const reconGrid = await downloadBytes(() => vae.reconstruct(realImages, null));
    const scores = tf.tidy(() => {
      const fakes = gan.generate(gan.sampleLatent(GRID, SEED), null);
      return tf.concat([gan.score(realImages, null), gan.score(fakes, null)]);
    });
    const kl = vae.klPerDimension(realImages, null);
    const [scoreValues, klValues] = await Promise.all([scores.data(), kl.data()]);
    tf.dispose([scores, kl]);
    const ganValues = ganMetrics ? await readMetrics(gan.metricNames, ganMetrics) : {};
    const vaeValues = vaeMetrics ? await readMetrics(vae.metricNames, vaeMetrics) : {};
    const ddpmValues = ddpmMetrics ? await readMetrics(ddpm.metricNames, ddpmMetrics) : {};
    const toyView = await toy.view();
    const now = Date.now();
    const push = (rows: MetricRow[], values: Record<string, number>) => {
      if (!Object.keys(values).length) return;
      rows.push({ step: s.step, time: now, values });
      if (rows.length > MAX_ROWS) rows.splice(0, rows.length - MAX_ROWS);
    };
    push(s.ganRows, ganValues);
    push(s.vaeRows, vaeValues);
    push(s.ddpmRows, ddpmValues);
    push(s.toyRows, toyView.metrics);
    const tile = r * r;
    const ganDistance = meanPairwiseDistance(ganGrid, GRID, tile);
    const realDistance = meanPairwiseDistance(s.realGrid, GRID, tile);
    const klPerDimension = Array.from(klValues);
    const rows = (list: MetricRow[]) => list.slice(-5).map((row) => row.values);
    const failures = [
      ...ganFailures({ steps: gan.step, rows: rows(s.ganRows), fakeDistance: ganDistance, realDistance }),
      ...vaeFailures({ steps: s.vaeSteps, rows: rows(s.vaeRows), klPerDimension }),
      // The toy has no grid to compare; its collapse shows in the picture, its winning D in the numbers.
      ...ganFailures({ steps: toy.gUpdates + toy.dUpdates, rows: rows(s.toyRows), fakeDistance: NaN, realDistance: NaN }, 'toy'),
      ...toyModeFailure(toy.gUpdates + toy.dUpdates, toyView.modes),
    ];
    const update: ClassroomUpdate = {
      datasetId: s.data.meta.id,
      startedFrom: s.startedFrom,
      datasetName: s.data.meta.name,
      settings: { ...s.settings },
      step: s.step,
      dUpdates: toy.dUpdates,
      gUpdates: toy.gUpdates,
      vaeSteps: s.vaeSteps,
      ddpmSteps: s.vaeSteps,
      gan: ganValues,
      vae: vaeValues,
      ddpm: ddpmValues,
      ganGrid,
      vaeGrid,
      ddpmGrid,
      interpolation,
      quality: [...s.quality],
      qualityUnavailable: s.heldOut ? null : `"${s.data.meta.name}" has fewer than 20 held-out (validation or test) images, so quality is not measured`,
      realGrid: s.realGrid,
      reconGrid,
      dScoresReal: Array.from(scoreValues.slice(0, GRID)),
      dScoresFake: Array.from(scoreValues.slice(GRID)),
      klPerDimension,
      ganDistance,
      realDistance,
      failures,
      toy: toyView,
      resolution: r,
      msPerStep,
      lastPart: part,
      playing: this.playing,
    };
    s.last = update;
    return update;
  }

  /** The DDPM samples in gridPasses DDIM passes whatever its config says (a pretrained one's says 50). */
  private samplingOptions(model: Dcgan | Vae | Ddpm): { samplingSteps?: number } {
    return model.config.kind === 'ddpm' ? { samplingSteps: this.gridPasses } : {};
  }

  private require(): Session {
    if (!this.session) throw new Error('The classroom has not been started');
    return this.session;
  }
}
