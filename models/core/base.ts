/**
 * What every model shares: a ParamStore, a step counter, its optimisers, and the exact
 * export/import of all of them. Subclasses add networks and trainStep.
 */
import * as tf from '@tensorflow/tfjs';
import type { Adam } from './adam';
import { ParamStore } from './params';
import { tfSeed } from './seeds';
import type { GenerativeModel, ModelConfig, ModelState, StateTensor } from '../types';

export abstract class ModelBase<C extends ModelConfig> implements Partial<GenerativeModel<C>> {
  readonly store: ParamStore;
  protected currentStep = 0;
  protected readonly optimisers: Adam[] = [];
  private disposed = false;

  protected constructor(readonly config: Readonly<C>) {
    this.store = new ParamStore(config.seed, config.kind);
  }

  get kind(): C['kind'] {
    return this.config.kind;
  }

  get step(): number {
    return this.currentStep;
  }

  sampleLatent(n: number, seed: number): tf.Tensor2D {
    if (!Number.isInteger(n) || n < 1) throw new Error(`models/core/base.ts: sampleLatent needs n ≥ 1, got ${n}`);
    return tf.randomNormal([n, this.config.latentDim], 0, 1, 'float32', tfSeed(seed >>> 0));
  }

  async exportState(): Promise<ModelState> {
    this.assertLive();
    const entries = this.store.entries();
    const data = await Promise.all(entries.map(([, v]) => v.data<'float32'>()));
    const tensors: StateTensor[] = entries.map(([name, v], i) => ({
      name,
      shape: [...v.shape],
      dtype: 'float32',
      data: Float32Array.from(data[i]),
    }));
    const extra: Record<string, number> = {};
    for (const opt of this.optimisers) Object.assign(extra, opt.exportSteps());
    return {
      format: 'phantom-studio/model-state',
      version: 1,
      kind: this.config.kind,
      config: structuredClone(this.config) as unknown as ModelConfig,
      step: this.currentStep,
      tensors,
      extra,
    };
  }

  importState(state: ModelState): void {
    this.assertLive();
    const where = 'models/core/base.ts: importState';
    if (state.format !== 'phantom-studio/model-state' || state.version !== 1)
      throw new Error(`${where}: not a version-1 Phantom Studio model state`);
    if (state.kind !== this.config.kind) throw new Error(`${where}: state is a ${state.kind}, model is a ${this.config.kind}`);
    if (JSON.stringify(state.config) !== JSON.stringify(this.config))
      throw new Error(`${where}: state was saved with a different config; create the model from state.config`);
    if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`${where}: invalid step ${state.step}`);
    const byName = new Map(state.tensors.map((t) => [t.name, t]));
    const names = this.store.names();
    // Validate everything before touching any variable so a bad file leaves the model intact.
    for (const name of names) {
      const t = byName.get(name);
      if (!t) throw new Error(`${where}: state lacks tensor "${name}"`);
      const shape = this.store.get(name).shape;
      const size = shape.reduce((a, b) => a * b, 1);
      if (t.shape.join(',') !== shape.join(',') || t.data.length !== size)
        throw new Error(`${where}: tensor "${name}" has shape [${t.shape}], expected [${shape}]`);
    }
    if (byName.size !== names.length) throw new Error(`${where}: state has tensors this model does not know`);
    for (const opt of this.optimisers) opt.importSteps(state.extra);
    tf.tidy(() => {
      for (const name of names) {
        const t = byName.get(name)!;
        this.store.get(name).assign(tf.tensor(t.data, t.shape, 'float32'));
      }
    });
    this.currentStep = state.step;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.store.dispose();
  }

  protected assertLive(): void {
    if (this.disposed) throw new Error(`models/core/base.ts: this ${this.config.kind} model was disposed`);
  }

  /** Checks trainStep inputs against the config; throws a clear Error on mismatch. */
  protected checkBatch(real: tf.Tensor4D, labels: tf.Tensor1D | null): void {
    this.assertLive();
    const { batchSize, resolution, channels, numClasses } = this.config;
    const where = `models/${this.config.kind}: trainStep`;
    const [b, h, w, c] = real.shape;
    if (b !== batchSize || h !== resolution || w !== resolution || c !== channels)
      throw new Error(`${where}: real batch has shape [${real.shape}], expected [${batchSize},${resolution},${resolution},${channels}]`);
    checkLabels(where, labels, b, numClasses);
  }
}

export function checkLabels(where: string, labels: tf.Tensor1D | null, n: number, numClasses: number): void {
  if (numClasses > 0) {
    if (!labels) throw new Error(`${where}: this model is conditional (${numClasses} classes) and needs labels`);
    if (labels.shape[0] !== n) throw new Error(`${where}: ${labels.shape[0]} labels for ${n} images`);
    if (labels.dtype !== 'int32') throw new Error(`${where}: labels must be int32, got ${labels.dtype}`);
  } else if (labels) {
    throw new Error(`${where}: this model is unconditional; pass null labels`);
  }
}

/** Packs named scalars into the StepResult tensor in `names` order. */
export function packMetrics(names: readonly string[], values: Record<string, tf.Tensor>): tf.Tensor1D {
  return tf.stack(
    names.map((n) => {
      const v = values[n];
      if (!v) throw new Error(`models/core/base.ts: metric "${n}" was not computed`);
      return v.reshape([]);
    }),
  ) as tf.Tensor1D;
}

/** Reads a StepResult's metrics into a name → number record (does not dispose). */
export async function readMetrics(names: readonly string[], metrics: tf.Tensor1D): Promise<Record<string, number>> {
  const values = await metrics.data();
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}
