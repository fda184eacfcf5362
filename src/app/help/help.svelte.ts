/**
 * The Help dialog's state, shared by the header button, the "?" key, the first-run strip and links
 * from figures (openHelp('glossary', 'kid')). Whether the first-run guide was seen is remembered in
 * this browser.
 */
export const help = $state<{ open: boolean; tab: 'guide' | 'glossary'; entry: string | null }>({ open: false, tab: 'guide', entry: null });

/** The first-run strip: shown until the guide is opened or the strip dismissed, and again after "Delete all my data". */
export const firstRun = $state({ shown: false });

const SEEN_KEY = 'phantom-studio/guide-seen';

export function openHelp(tab: 'guide' | 'glossary' = 'guide', entry: string | null = null): void {
  help.tab = tab;
  help.entry = entry;
  help.open = true;
}

export function guideSeen(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): boolean {
  try {
    return storage?.getItem(SEEN_KEY) === '1';
  } catch {
    return false;
  }
}

export function markGuideSeen(storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  firstRun.shown = false;
  try {
    storage?.setItem(SEEN_KEY, '1');
  } catch {
    // Private mode without storage: the strip shows again next time, nothing else breaks.
  }
}

/** Reads whether the guide was seen (once, when the studio starts). */
export function initFirstRun(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): void {
  firstRun.shown = !guideSeen(storage);
}

/** After "Delete all my data" forgot the browser's keys: the studio offers the guide again, as on a first visit. */
export function showFirstRunAgain(): void {
  firstRun.shown = true;
}
