/** The classroom as the worker exposes it: a GAN, a VAE and a 2-D toy GAN trained side by side, step by step. */
import type { BetaSchedule } from '../../models';
import type { Classroom, ClassroomSession, ClassroomSettings, ClassroomUpdate, NoisingView, ReverseView, StepPart } from './classroom';

export interface ClassroomApi {
  start(datasetId: string, settings?: ClassroomSettings): Promise<ClassroomUpdate>;
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
  pause(): Promise<void>;
  stop(): Promise<void>;
}

export function createClassroomApi(classroom: Classroom, ready: () => Promise<unknown>): ClassroomApi {
  return {
    start: async (datasetId, settings) => (await ready(), classroom.start(datasetId, settings)),
    step: (steps, part) => classroom.step(steps, part),
    configure: (settings) => classroom.configure(settings),
    current: () => classroom.current(),
    play: (every, delayMs, part, onUpdate) => classroom.play(every, delayMs, part, onUpdate),
    setSpeed: async (every, delayMs) => classroom.setSpeed(every, delayMs),
    noising: (t, schedule) => classroom.noising(t, schedule),
    reverse: () => classroom.reverse(),
    interpolate: (from, to) => classroom.interpolate(from, to),
    measure: () => classroom.measure(),
    pause: async () => classroom.pause(),
    stop: async () => classroom.stop(),
  };
}
