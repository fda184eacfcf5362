/**
 * Adam (Kingma & Ba 2015) over named ParamStore variables. Our own rather than tf.train.adam
 * because tfjs keys its moment slots by position in the gradient map and restores them with an
 * async setWeights; here the slots are ordinary named variables in the store (so exportState
 * covers them) and the step count is per parameter, which keeps bias correction right for
 * PG-GAN layers that join training late.
 */
import * as tf from '@tensorflow/tfjs';
import type { AdamOptions } from '../types';
import type { ParamStore } from './params';

export class Adam {
  /** Updates applied so far, per parameter. */
  private readonly steps = new Map<string, number>();

  constructor(
    private readonly store: ParamStore,
    /** Label used in slot names so two optimisers in one store never collide. */
    private readonly label: string,
    private readonly names: readonly string[],
    private readonly options: AdamOptions,
  ) {
    for (const name of names) {
      const shape = store.get(name).shape;
      store.add(`${label}/m/${name}`, shape, { kind: 'zeros' }, false);
      store.add(`${label}/v/${name}`, shape, { kind: 'zeros' }, false);
      this.steps.set(name, 0);
    }
  }

  /** Variables this optimiser trains (the varList for tf.variableGrads). */
  variables(): tf.Variable[] {
    return this.names.map((n) => this.store.get(n));
  }

  /** Applies gradients keyed by tf.Variable name, as returned by tf.variableGrads. */
  apply(grads: tf.NamedTensorMap): void {
    const { learningRate, beta1, beta2, epsilon } = this.options;
    tf.tidy(() => {
      for (const [variableName, g] of Object.entries(grads)) {
        const name = this.store.logicalName(variableName);
        const t = (this.steps.get(name) ?? 0) + 1;
        this.steps.set(name, t);
        const m = this.store.get(`${this.label}/m/${name}`);
        const v = this.store.get(`${this.label}/v/${name}`);
        const mNew = m.mul(beta1).add(g.mul(1 - beta1));
        const vNew = v.mul(beta2).add(g.square().mul(1 - beta2));
        m.assign(mNew);
        v.assign(vNew);
        const mHat = mNew.div(1 - beta1 ** t);
        const vHat = vNew.div(1 - beta2 ** t);
        const w = this.store.get(name);
        w.assign(w.sub(mHat.div(vHat.sqrt().add(epsilon)).mul(learningRate)));
      }
    });
  }

  exportSteps(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, t] of this.steps) out[`${this.label}/t/${name}`] = t;
    return out;
  }

  importSteps(extra: Record<string, number>): void {
    for (const name of this.names) {
      const t = extra[`${this.label}/t/${name}`];
      if (!Number.isInteger(t) || t < 0)
        throw new Error(`models/core/adam.ts: state lacks a valid step count for "${this.label}/${name}"`);
      this.steps.set(name, t);
    }
  }
}

/** Global L2 norm of a gradient map, as a scalar tensor (reported, not clipped). */
export function globalNorm(grads: tf.NamedTensorMap): tf.Scalar {
  return tf.tidy(() => tf.addN(Object.values(grads).map((g) => g.square().sum())).sqrt() as tf.Scalar);
}
