/**
 * Adam (Kingma & Ba 2015) over named ParamStore variables. Our own rather than tf.train.adam
 * because tfjs keys its moment slots by position in the gradient map and restores them with an
 * async setWeights; here the slots are ordinary named variables in the store (so exportState
 * covers them) and the step count is per parameter, which keeps bias correction right for
 * PG-GAN layers that join training late.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedAdamUpdate } from '../kernels/adamUpdate';
import { fusedSumOfSquares } from '../kernels/sumOfSquares';
import type { AdamOptions } from '../types';
import type { ParamStore } from './params';

/**
 * Parameters with fewer elements than this are updated together in one flat batch. Below it an
 * element-wise kernel on a GPU costs more in dispatch than in arithmetic (64 Ki floats is
 * 256 KiB, microseconds of memory traffic against tens of microseconds per dispatch), which is
 * where biases, norm scales and small convolutions sit.
 */
const BATCH_BELOW_ELEMENTS = 65536;

/** Parameters updated by one run of the Adam arithmetic; all have taken t steps. */
interface UpdateGroup {
  t: number;
  params: ParamSlots[];
}

/** One parameter's gradient with the variables its update writes. */
interface ParamSlots {
  grad: tf.Tensor;
  w: tf.Variable;
  m: tf.Variable;
  v: tf.Variable;
}

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

  /** Overrides options.learningRate from now on (null restores it). */
  private learningRateOverride: number | null = null;

  setLearningRate(learningRate: number | null): void {
    if (learningRate !== null && !(learningRate > 0)) throw new Error(`models/core/adam.ts: learning rate must be > 0, got ${learningRate}`);
    this.learningRateOverride = learningRate;
  }

  /** Variables this optimiser trains (the varList for tf.variableGrads). */
  variables(): tf.Variable[] {
    return this.names.map((n) => this.store.get(n));
  }

  /**
   * Applies gradients keyed by tf.Variable name, as returned by tf.variableGrads.
   *
   * Batched: rather than a dozen element-wise kernels per variable (each a GPU dispatch, and
   * for the small tensors of our nets the dispatch costs more than the arithmetic), the small
   * parameters that share a step count are flattened and concatenated, the Adam arithmetic
   * runs once on the flat vectors, and the results are split back into the per-variable
   * weights and moment slots. The slots stay separate named variables, so exported state is
   * unchanged.
   */
  apply(grads: tf.NamedTensorMap): void {
    const groups = this.groupForUpdate(grads);
    const { beta1, beta2, epsilon } = this.options;
    const learningRate = this.learningRateOverride ?? this.options.learningRate;
    const composed = this.applyFused(groups, learningRate);
    if (composed.length === 0) return;
    tf.tidy(() => {
      // Created once per call, not per variable: each scalar is a fresh upload on GPU backends.
      const beta1T = tf.scalar(beta1);
      const oneMinusBeta1 = tf.scalar(1 - beta1);
      const beta2T = tf.scalar(beta2);
      const oneMinusBeta2 = tf.scalar(1 - beta2);
      for (const { t, params: group } of composed) {
        const g = concatFlat(group.map((p) => p.grad));
        const m = concatFlat(group.map((p) => p.m));
        const v = concatFlat(group.map((p) => p.v));
        const w = concatFlat(group.map((p) => p.w));
        const mNew = m.mul(beta1T).add(g.mul(oneMinusBeta1));
        const vNew = v.mul(beta2T).add(g.square().mul(oneMinusBeta2));
        // The paper's bias correction mHat = m/(1−β1^t), vHat = v/(1−β2^t), update
        // lr·mHat/(√vHat + ε), rewritten as stepSize·m/(√v + ε·√(1−β2^t)): the same value in
        // exact arithmetic (and within float32 rounding in practice, see adam.test.ts), two
        // kernels fewer, because the corrections fold into scalars.
        const correction2 = Math.sqrt(1 - beta2 ** t);
        const stepSize = tf.scalar((learningRate * correction2) / (1 - beta1 ** t));
        const epsilonHat = tf.scalar(epsilon * correction2);
        const wNew = w.sub(mNew.mul(stepSize).div(vNew.sqrt().add(epsilonHat)));
        assignSplit(group.map((p) => p.m), mNew);
        assignSplit(group.map((p) => p.v), vNew);
        assignSplit(group.map((p) => p.w), wNew);
      }
    });
  }

  /**
   * The small parameters' update as one fused kernel (models/kernels/adamUpdate.ts) where the
   * backend has it: one pass per parameter and one kernel call in all, instead of a dozen
   * element-wise kernels plus the concat and split that batch them. Large parameters keep the
   * composed ops: there the backend's vectorised kernels outrun the fused kernel's scalar loop
   * (on wasm, 1 M parameters took 6.4 ms composed and 11 ms fused). Returns the groups left for
   * the composed path: all of them where the backend lacks the kernel.
   */
  private applyFused(groups: UpdateGroup[], learningRate: number): UpdateGroup[] {
    const { beta1, beta2, epsilon } = this.options;
    const small = groups.filter((g) => g.params.every((p) => p.w.size < BATCH_BELOW_ELEMENTS));
    const params = small.flatMap(({ t, params: group }) => {
      const correction2 = Math.sqrt(1 - beta2 ** t);
      const stepSize = (learningRate * correction2) / (1 - beta1 ** t);
      return group.map((p) => ({ w: p.w, m: p.m, v: p.v, g: p.grad, stepSize, epsilonHat: epsilon * correction2 }));
    });
    const done = tf.tidy(() => {
      const updated = fusedAdamUpdate(params, beta1, beta2);
      if (updated === null) return false;
      updated.forEach(([w, m, v], i) => {
        params[i].m.assign(m);
        params[i].v.assign(v);
        params[i].w.assign(w);
      });
      return true;
    });
    return done ? groups.filter((g) => !small.includes(g)) : groups;
  }

  /**
   * Advances each parameter's step count and sorts the parameters into update groups. Bias
   * correction depends on t, so small parameters are batched per distinct t (normally one t;
   * PG-GAN layers that joined late lag behind by the steps they missed). Large parameters are
   * updated on their own: their kernels are bound by arithmetic, not dispatch, so batching
   * gains little, and splitting a long vector is costly on wasm, whose Slice copies the whole
   * input for every piece it cuts.
   */
  private groupForUpdate(grads: tf.NamedTensorMap): UpdateGroup[] {
    // Validate everything before advancing any step count, so a bad map leaves the state intact.
    const params = Object.entries(grads).map(([variableName, grad]) => {
      const name = this.store.logicalName(variableName);
      const w = this.store.get(name);
      // A flat update would silently misalign every later parameter on a size mismatch.
      if (grad.size !== w.size)
        throw new Error(`models/core/adam.ts: gradient for "${name}" has shape [${grad.shape}], parameter has [${w.shape}]`);
      const slots: ParamSlots = {
        grad,
        w,
        m: this.store.get(`${this.label}/m/${name}`),
        v: this.store.get(`${this.label}/v/${name}`),
      };
      return { name, slots };
    });
    const alone: UpdateGroup[] = [];
    const batchedByStep = new Map<number, ParamSlots[]>();
    for (const { name, slots } of params) {
      const t = (this.steps.get(name) ?? 0) + 1;
      this.steps.set(name, t);
      if (slots.w.size >= BATCH_BELOW_ELEMENTS) {
        alone.push({ t, params: [slots] });
        continue;
      }
      const batch = batchedByStep.get(t);
      if (batch) batch.push(slots);
      else batchedByStep.set(t, [slots]);
    }
    return [...alone, ...[...batchedByStep].map(([t, params]) => ({ t, params }))];
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

/** The tensors as one flat vector (reshapes only share data); a single tensor is used as is. */
function concatFlat(tensors: tf.Tensor[]): tf.Tensor {
  if (tensors.length === 1) return tensors[0];
  return tf.concat(tensors.map((t) => (t.rank === 1 ? t : t.reshape([-1]))));
}

/** Inverse of concatFlat: assigns consecutive pieces of `flat` to the variables, in order. */
function assignSplit(targets: tf.Variable[], flat: tf.Tensor): void {
  if (targets.length === 1) {
    targets[0].assign(flat);
    return;
  }
  const pieces = tf.split(flat, targets.map((t) => t.size));
  targets.forEach((target, i) => target.assign(target.rank === 1 ? pieces[i] : pieces[i].reshape(target.shape)));
}

/**
 * Global L2 norm of a gradient map, as a scalar tensor (reported, not clipped). The per-tensor sums
 * are stacked, not addN'ed: tfjs's WebGPU AddN binds one storage buffer per input, and a U-Net's
 * ~100 gradients exceed every adapter's per-shader limit (its concat splits by the limit instead).
 */
export function globalNorm(grads: tf.NamedTensorMap): tf.Scalar {
  return tf.tidy(() => {
    // One kernel for the sum over every gradient where the backend has it (models/kernels/sumOfSquares.ts).
    const fused = fusedSumOfSquares(Object.values(grads));
    if (fused !== null) return fused.sqrt() as tf.Scalar;
    return tf.stack(Object.values(grads).map((g) => g.square().sum())).sum().sqrt() as tf.Scalar;
  });
}
