/**
 * Reader studies as the UI sees them: the stored list and the one open. The Models stage's run cards
 * link here by setting `selectedId` before switching stage.
 */
import type { StudySummary } from '../../readerStudy/studyTypes';
import { compute } from '../computeClient';

export const studies = $state({
  list: [] as StudySummary[],
  loaded: false,
  selectedId: null as string | null,
  /**
   * Whether the open study's results are shown. Hidden by default and whenever a reader opens here:
   * a reader who leaves the reader screen must not see which images were real (the galleries say so)
   * and then go back to change an answer.
   */
  showResults: false,
});

export async function refreshStudies(): Promise<void> {
  studies.list = await compute().readerStudy.list();
  studies.loaded = true;
  if (!studies.list.some((s) => s.id === studies.selectedId)) studies.selectedId = studies.list[0]?.id ?? null;
}

/** Opens a study on the Reader study stage (from a run card's link). */
export function openStudy(id: string): void {
  studies.selectedId = id;
  studies.showResults = true;
  location.hash = '#/study';
}
