/**
 * The staged import, shared by the import panel (side panel: settings, name, save, discard) and
 * the Data stage's wide panel, which shows its report while an import is staged.
 */
import type { StagedImport } from '../../importers/importJob';

export const importStage = $state<{ staged: StagedImport | null }>({ staged: null });
