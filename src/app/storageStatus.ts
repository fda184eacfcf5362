/** Storage quota and persistence, for the status bar. */
export interface StorageStatus {
  usedBytes: number | null;
  quotaBytes: number | null;
  persistent: boolean | null;
}

export async function readStorageStatus(): Promise<StorageStatus> {
  const storage = navigator.storage;
  if (!storage?.estimate) return { usedBytes: null, quotaBytes: null, persistent: null };
  const [estimate, persistent] = await Promise.all([storage.estimate(), storage.persisted?.() ?? Promise.resolve(null)]);
  return { usedBytes: estimate.usage ?? null, quotaBytes: estimate.quota ?? null, persistent };
}

/**
 * Asks the browser not to evict our data under storage pressure. Called on the first import, when
 * the user has data worth keeping; the browser may decide silently.
 */
export async function requestPersistence(): Promise<boolean> {
  if (!navigator.storage?.persist) return false;
  if (await navigator.storage.persisted()) return true;
  return navigator.storage.persist();
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return 'unknown';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
}
