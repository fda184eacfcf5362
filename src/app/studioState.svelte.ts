/**
 * The shell's state: the compute backend the worker reported, storage use, and the notices. Each
 * domain keeps its own rune module beside its stage (data/datasetsState, train/runsState, …).
 */
import type { BackendChoice, BackendReport } from '../compute/backendTypes';
import { callback, compute } from './computeClient';
import { readStorageStatus, type StorageStatus } from './storageStatus';
import { errorMessage, explainError } from '../core/errorMessage';

export interface Notice {
  id: number;
  kind: 'info' | 'warning' | 'error';
  text: string;
  /** A button on the notice (e.g. "Reload to update"); a notice with one stays until used or dismissed. */
  action?: NoticeAction;
  /** The original (library) message behind `text`, shown under "details". */
  detail?: string;
}

export interface NoticeAction {
  label: string;
  run: () => void;
}

export const studio = $state({
  backend: null as BackendReport | null,
  backendError: null as string | null,
  storage: { usedBytes: null, quotaBytes: null, persistent: null } as StorageStatus,
  notices: [] as Notice[],
});

let noticeId = 0;
/**
 * How long a notice stays before it dismisses itself: information briefly, warnings long enough to
 * read twice. Errors stay until the user dismisses them, so a failure is never missed.
 */
export const NOTICE_LIFETIME_MS = { info: 12_000, warning: 30_000 } as const;

export function notify(text: string, kind: Notice['kind'] = 'info', action?: NoticeAction, detail?: string): void {
  const id = ++noticeId;
  studio.notices.push({ id, kind, text, ...(action ? { action } : {}), ...(detail ? { detail } : {}) });
  if (kind !== 'error' && !action) setTimeout(() => dismissNotice(id), NOTICE_LIFETIME_MS[kind]);
}
/** An error notice in the user's terms (core/errorMessage explainError), the library's words under "details". */
export function notifyError(prefix: string, error: unknown): void {
  const { message, detail } = explainError(error);
  notify(prefix ? `${prefix}: ${message}` : message, 'error', undefined, detail);
}

/** Runs an action and shows its failure as an error notice instead of losing it in the console. */
export async function withErrorNotice(action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    notify(errorMessage(error), 'error');
  }
}

export function dismissNotice(id: number): void {
  studio.notices = studio.notices.filter((n) => n.id !== id);
}

function applyBackendReport(report: BackendReport): void {
  const seen = new Set(studio.backend?.notices ?? []);
  for (const text of report.notices) if (!seen.has(text)) notify(text, 'warning');
  studio.backend = report;
}

/** Starts the worker's backend; resolves false (with the reason shown) when compute could not start. */
export async function startCompute(): Promise<boolean> {
  try {
    applyBackendReport(await compute().start(callback(applyBackendReport)));
    await reportUnreadableRecords();
    return true;
  } catch (error) {
    studio.backendError = errorMessage(error);
    notify(`Compute could not start: ${studio.backendError}`, 'error');
    return false;
  } finally {
    await refreshStorage();
  }
}

export async function refreshStorage(): Promise<void> {
  studio.storage = await readStorageStatus();
}

export async function chooseBackend(choice: BackendChoice): Promise<void> {
  applyBackendReport(await compute().settings.setBackendChoice(choice));
}

export async function reprobeBackends(): Promise<void> {
  applyBackendReport(await compute().settings.reprobeBackends());
}

/** Records this version cannot read (written by a newer version, or damaged) are kept untouched; the user hears about them once per start. */
async function reportUnreadableRecords(): Promise<void> {
  const report = await compute().storageReport();
  if (!report || report.unreadable.length === 0) return;
  const shown = report.unreadable.slice(0, 3).map((u) => `${u.key} (${u.reason})`).join('; ');
  const more = report.unreadable.length > 3 ? ` and ${report.unreadable.length - 3} more` : '';
  notify(`${report.unreadable.length} stored item${report.unreadable.length === 1 ? '' : 's'} could not be read by this version of the studio and ${report.unreadable.length === 1 ? 'was' : 'were'} kept untouched: ${shown}${more}.`, 'warning');
}
