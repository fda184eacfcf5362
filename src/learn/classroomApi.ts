/** The classroom as the worker exposes it: a GAN, a VAE and a 2-D toy GAN trained side by side, step by step. */
import type { BetaSchedule } from '../../models';
import type { Classroom, ClassroomSession, PretrainedStart, ClassroomSettings, ClassroomUpdate, NoisingView, ReverseView, StepPart } from './classroom';

export interface ClassroomApi {
  /** `from`: stored runs (the built-in pretrained models) the GAN and the VAE start from. */
  start(datasetId: string, settings?: ClassroomSettings, from?: PretrainedStart): Promise<ClassroomUpdate>;
  /** `part`: 'both' (a full round), 'd' (the discriminators alone) or 'g' (the generators alone). */
  step(steps: number, part?: StepPart): Promise<ClassroomUpdate>;
  /** Learning rates and D steps per G step, applied to the running session. */
  configure(settings: ClassroomSettings): Promise<ClassroomUpdate>;
  /** The running session (last update and every reading), or null: the Learn stage reattaches with it. */
  current(): Promise<ClassroomSession | null>;
  /** Trains until paused, reporting every `every` steps after a `delayMs` pause; resolves when paused. */
  play(every: number, delayMs: number, part: StepPart, onUpdate: (update: ClassroomUpdate) => void): Promise<void>;
  /** Changes play's steps per update and delay while it runs. */
  setSpeed(every: number, delayMs: number): Promise<void>;
  /** The real images at level t of diffusion's forward (noising) process. */
  noising(t: number, schedule?: BetaSchedule): Promise<NoisingView>;
  /** The diffusion model's reverse (denoising) process, frame by frame, from fixed noise. */
  reverse(): Promise<ReverseView>;
  /** The VAE's interpolation between real images `from` and `to` (0-based, of the 16 shown). */
  interpolate(from: number, to: number): Promise<ClassroomUpdate>;
  /** Measures the three models' quality (KID against held-out images) now. */
  measure(): Promise<ClassroomUpdate>;
  /** Stops play after the step in progress; resolves with the update of the step the worker stopped at (null before a start). */
  pause(): Promise<ClassroomUpdate | null>;
  stop(): Promise<void>;
}

export function createClassroomApi(classroom: Classroom, ready: () => Promise<unknown>): ClassroomApi {
  return {
    start: async (datasetId, settings, from) => (await ready(), classroom.start(datasetId, settings, from)),
    step: (steps, part) => classroom.step(steps, part),
    configure: (settings) => classroom.configure(settings),
    current: () => classroom.current(),
    play: (every, delayMs, part, onUpdate) => classroom.play(every, delayMs, part, onUpdate),
    setSpeed: async (every, delayMs) => classroom.setSpeed(every, delayMs),
    noising: (t, schedule) => classroom.noising(t, schedule),
    reverse: () => classroom.reverse(),
    interpolate: (from, to) => classroom.interpolate(from, to),
    measure: () => classroom.measure(),
    pause: () => classroom.pause(),
    stop: async () => classroom.stop(),
  };
}
