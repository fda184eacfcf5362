/**
 * A model's variables under stable logical names ("G/up1/w", "adam/m/D/out/w", ...). Logical
 * names, not tf.Variable names, are what state files use: tfjs variable names must be unique
 * per process, so two live models of the same config get different variable names.
 */
import * as tf from '@tensorflow/tfjs';
import { paramSeed } from './seeds';

export type Init =
  | { kind: 'normal'; std: number; mean?: number }
  /** He/Kaiming normal: std = gain / sqrt(fanIn). */
  | { kind: 'he'; fanIn: number; gain?: number }
  | { kind: 'zeros' }
  | { kind: 'ones' };

let instanceCount = 0;

export class ParamStore {
  private readonly vars = new Map<string, tf.Variable>();
  private readonly byVariableName = new Map<string, string>();
  private readonly prefix: string;

  constructor(
    private readonly seed: number,
    label: string,
  ) {
    this.prefix = `${label}#${++instanceCount}`;
  }

  /** Creates a variable; init values depend only on (seed, name), not on creation order. */
  add(name: string, shape: number[], init: Init, trainable = true): tf.Variable {
    if (this.vars.has(name)) throw new Error(`models/core/params.ts: parameter "${name}" created twice`);
    const value = tf.tidy(() => initialValue(shape, init, paramSeed(this.seed, name)));
    const variable = tf.variable(value, trainable, `${this.prefix}/${name}`);
    value.dispose();
    this.vars.set(name, variable);
    this.byVariableName.set(variable.name, name);
    return variable;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`models/core/params.ts: no parameter "${name}"`);
    return v;
  }

  has(name: string): boolean {
    return this.vars.has(name);
  }

  /** Logical names starting with `prefix`, in creation order. */
  names(prefix = ''): string[] {
    return [...this.vars.keys()].filter((n) => n.startsWith(prefix));
  }

  /** Logical name of a tf.Variable name, as keys of tf.variableGrads results. */
  logicalName(variableName: string): string {
    const n = this.byVariableName.get(variableName);
    if (n === undefined) throw new Error(`models/core/params.ts: unknown variable "${variableName}"`);
    return n;
  }

  entries(): [string, tf.Variable][] {
    return [...this.vars.entries()];
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
    this.byVariableName.clear();
  }
}

function initialValue(shape: number[], init: Init, seed: number): tf.Tensor {
  switch (init.kind) {
    case 'zeros':
      return tf.zeros(shape);
    case 'ones':
      return tf.ones(shape);
    case 'normal':
      return tf.randomNormal(shape, init.mean ?? 0, init.std, 'float32', seed);
    case 'he':
      return tf.randomNormal(shape, 0, (init.gain ?? Math.SQRT2) / Math.sqrt(init.fanIn), 'float32', seed);
  }
}

/** Read access to weights for a forward pass; lets callers substitute EMA, spectral-normed or scaled weights. */
export type Weights = (name: string) => tf.Tensor;

export function rawWeights(store: ParamStore): Weights {
  return (name) => store.get(name);
}
