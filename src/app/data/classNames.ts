/**
 * Class names as they are now. Datasets own them (a rename changes the dataset only); a run shows its
 * dataset's names while the dataset exists with as many classes, else those stored when it started.
 */
import type { RunRecord } from '../../training/runTypes';

export function runClassNames(run: Pick<RunRecord, 'classNames' | 'settings'>, datasets: readonly { id: string; classNames: readonly string[] }[]): string[] {
  const names = datasets.find((d) => d.id === run.settings.datasetId)?.classNames;
  return names && names.length === run.classNames.length ? [...names] : run.classNames;
}
