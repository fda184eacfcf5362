/**
 * The staged import, shared by the import panel (side panel: settings, name, save, discard) and
 * the Data stage's wide panel, which shows its report while an import is staged.
 */
import type { StagedImport } from '../../importers/importJob';

/**
 * `nearDuplicates` holds the user's choice for each near-duplicate pair, by its held-out image's
 * index: leave it, move it into its twin's split, or drop it; the import panel passes the choices to commit.
 */
export const importStage = $state<{ staged: StagedImport | null; nearDuplicates: Record<number, 'keep' | 'move' | 'drop'> }>({ staged: null, nearDuplicates: {} });

/** The choices that change something, as the commit takes them. */
export function nearDuplicateResolutions(): { heldOut: number; action: 'move' | 'drop' }[] {
  return Object.entries(importStage.nearDuplicates)
    .filter((entry): entry is [string, 'move' | 'drop'] => entry[1] !== 'keep')
    .map(([heldOut, action]) => ({ heldOut: Number(heldOut), action }));
}
