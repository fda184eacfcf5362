/**
 * A model state split into what generating needs (the weights: every network, EMA copies,
 * spectral-norm vectors) and what only continuing training needs (Adam's first and second moments,
 * `adam/m/<param>`, `adamG/v/<param>`, …, and its per-parameter step counts in `extra`). The run
 * file stores them as weights.safetensors and optimizer.safetensors.
 *
 *   splitState(state)                         → { weights, optimizer, optimizerSteps }
 *   isOptimizerTensor(name)                   → true for Adam's slots
 */
import type { ModelState, StateTensor } from '../types';

/** Adam's moment slots, as models/core/adam.ts names them (labels adam, adamG, adamD). */
const OPTIMIZER_SLOT = /^adam[A-Za-z]*\/[mv]\//;

export function isOptimizerTensor(name: string): boolean {
  return OPTIMIZER_SLOT.test(name);
}

export interface StateParts {
  weights: StateTensor[];
  optimizer: StateTensor[];
  /** Adam's update counts per parameter (ModelState.extra). */
  optimizerSteps: Record<string, number>;
}

export function splitState(state: ModelState): StateParts {
  return {
    weights: state.tensors.filter((t) => !isOptimizerTensor(t.name)),
    optimizer: state.tensors.filter((t) => isOptimizerTensor(t.name)),
    optimizerSteps: { ...state.extra },
  };
}
