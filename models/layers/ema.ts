/**
 * Exponential moving average of generator weights for sampling (Yazıcı et al. 2019; Karras et
 * al. 2018). The effective decay min(decay, (1+t)/(10+t)) lets the average follow the fast
 * early changes instead of being dominated by the random initialisation.
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamStore, Weights } from '../core/params';
import { fusedEmaUpdate } from '../kernels/emaUpdate';

export class Ema {
  constructor(
    private readonly store: ParamStore,
    private readonly names: readonly string[],
    private readonly decay: number,
  ) {
    if (!(decay > 0 && decay < 1)) throw new Error(`models/layers/ema.ts: decay must be in (0, 1), got ${decay}`);
    for (const name of names) {
      const source = store.get(name);
      store.add(this.shadowName(name), [...source.shape], { kind: 'zeros' }, false).assign(source);
    }
  }

  /** Call after each generator update; t is the number of generator updates so far. */
  update(t: number): void {
    const d = Math.min(this.decay, (1 + t) / (10 + t));
    tf.tidy(() => {
      const shadows = this.names.map((name) => this.store.get(this.shadowName(name)));
      // One kernel for every weight where the backend has it (models/kernels/emaUpdate.ts).
      const updated = fusedEmaUpdate(shadows, this.names.map((name) => this.store.get(name)), d);
      if (updated !== null) {
        shadows.forEach((shadow, i) => shadow.assign(updated[i]));
        return;
      }
      for (const name of this.names) {
        const shadow = this.store.get(this.shadowName(name));
        shadow.assign(shadow.mul(d).add(this.store.get(name).mul(1 - d)));
      }
    });
  }

  /** Weights with averaged copies where they exist (BN running statistics come from `base`). */
  weights(base: Weights): Weights {
    return (name) => (this.store.has(this.shadowName(name)) ? this.store.get(this.shadowName(name)) : base(name));
  }

  private shadowName(name: string): string {
    return `ema/${name}`;
  }
}
