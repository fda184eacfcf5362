/** App start-up: the compute worker first, then what every stage needs (the stored datasets, the built-in phantoms on a fresh install). */
import { startCompute } from './studioState.svelte';
import { ensureBuiltInPhantoms, refreshDatasets } from './data/datasetsState.svelte';

export async function startStudio(): Promise<void> {
  if (await startCompute()) await ensureBuiltInPhantoms();
  else await refreshDatasets();
}
