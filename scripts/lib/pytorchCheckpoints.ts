/**
 * The checkpoints python/train.py writes into its --out folder: <run name>-step<N>.phantomrun, one
 * every --checkpoint-every steps and one at the end.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface PytorchCheckpoint {
  path: string;
  step: number;
}

const CHECKPOINT_NAME = /-step(\d+)\.phantomrun$/;

/** The checkpoint with the highest step (by number: step10000 is after step9500), or null when there is none. */
export function latestPytorchCheckpoint(folder: string): PytorchCheckpoint | null {
  if (!existsSync(folder)) return null;
  let latest: PytorchCheckpoint | null = null;
  for (const name of readdirSync(folder)) {
    const match = CHECKPOINT_NAME.exec(name);
    if (!match) continue;
    const step = Number(match[1]);
    if (!latest || step > latest.step) latest = { path: join(folder, name), step };
  }
  return latest;
}
