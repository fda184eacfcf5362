/**
 * The shape of a side-by-side comparison (ComparisonTable.svelte): one column per compared thing
 * (an evaluation, a run, …), one row per figure, each cell with its floor when it has one, a
 * verdict on top and a sample grid below. Plain data, so any stage can build columns.
 */
export interface ComparisonCell {
  value: string;
  /** The reference the value should be read against (e.g. the real-vs-real floor). */
  floor?: string;
}

export interface ComparisonRow {
  key: string;
  label: string;
  /** A longer explanation, shown on hover and to screen readers. */
  help?: string;
}

export interface ComparisonColumn {
  id: string;
  title: string;
  subtitle?: string;
  verdict?: { label: string; level: string; text: string };
  cells: Record<string, ComparisonCell>;
  /** A grid of images to show under the figures (size² grey pixels each), or a loader for one. */
  images?: () => Promise<{ pixels: Uint8Array; count: number; size: number } | null>;
}
