/** The classroom as the worker exposes it: a GAN and a VAE trained side by side, step by step. */
import type { Classroom, ClassroomUpdate } from './classroom';

export interface ClassroomApi {
  start(datasetId: string): Promise<ClassroomUpdate>;
  step(steps: number): Promise<ClassroomUpdate>;
  /** Trains until paused, reporting every `every` steps; resolves when paused. */
  play(every: number, onUpdate: (update: ClassroomUpdate) => void): Promise<void>;
  pause(): Promise<void>;
  stop(): Promise<void>;
}

export function createClassroomApi(classroom: Classroom, ready: () => Promise<unknown>): ClassroomApi {
  return {
    start: async (datasetId) => (await ready(), classroom.start(datasetId)),
    step: (steps) => classroom.step(steps),
    play: (every, onUpdate) => classroom.play(every, onUpdate),
    pause: async () => classroom.pause(),
    stop: async () => classroom.stop(),
  };
}
