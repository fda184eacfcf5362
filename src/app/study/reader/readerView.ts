/**
 * The reader's view of one image: zoom, pan and window/level, as plain numbers, plus the lookup
 * table that applies window/level to 8-bit grey levels. Kept out of the component so it is tested.
 *
 * Scaling is pixel-exact: the image fits the screen at the largest whole-number scale (every image
 * pixel becomes the same square of screen pixels; a fractional scale would make some rows wider
 * than others), and zoom levels are whole multiples of that.
 */

export interface ViewState {
  /** Index into ZOOM_LEVELS. */
  zoom: number;
  /** Offset of the image centre from the viewport centre, in screen pixels. */
  panX: number;
  panY: number;
  /** Window width and centre (level), in grey levels 0–255. */
  window: number;
  level: number;
}

export const ZOOM_LEVELS = [1, 2, 3, 4, 6, 8, 12, 16] as const;
export const DEFAULT_VIEW: ViewState = { zoom: 0, panX: 0, panY: 0, window: 256, level: 128 };
export const MIN_WINDOW = 8;
export const MAX_WINDOW = 512;

/** The largest whole-number scale at which the image fits the viewport (a fraction only when it is larger than the screen). */
export function fitScale(imageW: number, imageH: number, viewW: number, viewH: number): number {
  const s = Math.min(viewW / imageW, viewH / imageH);
  if (!(s > 0) || !Number.isFinite(s)) return 1;
  return s >= 1 ? Math.floor(s) : s;
}

export function scaleOf(v: ViewState, fit: number): number {
  return fit * ZOOM_LEVELS[v.zoom];
}

/**
 * Zooms one level in (+1) or out (-1) keeping the image point under (cx, cy) — relative to the
 * viewport centre — where it is, so the wheel zooms towards the cursor.
 */
export function zoomBy(v: ViewState, step: 1 | -1, cx = 0, cy = 0): ViewState {
  const zoom = Math.min(ZOOM_LEVELS.length - 1, Math.max(0, v.zoom + step));
  if (zoom === v.zoom) return v;
  if (zoom === 0) return { ...v, zoom, panX: 0, panY: 0 };
  const k = ZOOM_LEVELS[zoom] / ZOOM_LEVELS[v.zoom];
  return { ...v, zoom, panX: Math.round(cx - (cx - v.panX) * k), panY: Math.round(cy - (cy - v.panY) * k) };
}

/** Pans by a drag, kept so that part of the image stays on screen. */
export function panBy(v: ViewState, dx: number, dy: number, imageW: number, imageH: number, scale: number, viewW: number, viewH: number): ViewState {
  const limitX = Math.max(0, (imageW * scale + viewW) / 2 - 32);
  const limitY = Math.max(0, (imageH * scale + viewH) / 2 - 32);
  const clamp = (x: number, l: number) => Math.round(Math.min(l, Math.max(-l, x)));
  return { ...v, panX: clamp(v.panX + dx, limitX), panY: clamp(v.panY + dy, limitY) };
}

/** Changes window width (dw) and level (dl); width stays within [MIN_WINDOW, MAX_WINDOW], level within 0–255. */
export function windowLevelBy(v: ViewState, dw: number, dl: number): ViewState {
  return {
    ...v,
    window: Math.round(Math.min(MAX_WINDOW, Math.max(MIN_WINDOW, v.window + dw))),
    level: Math.round(Math.min(255, Math.max(0, v.level + dl))),
  };
}

export function resetWindowLevel(v: ViewState): ViewState {
  return { ...v, window: DEFAULT_VIEW.window, level: DEFAULT_VIEW.level };
}

/** 256 entries: grey level → displayed grey level for this window/level (the default is the identity). */
export function windowLut(window: number, level: number): Uint8Array {
  const lut = new Uint8Array(256);
  const low = level - window / 2;
  for (let g = 0; g < 256; g++) {
    const t = ((g + 0.5 - low) / window) * 256 - 0.5;
    lut[g] = Math.round(Math.min(255, Math.max(0, t)));
  }
  return lut;
}

/** Grey pixels through the lookup table into RGBA for a canvas. */
export function toRgba(grey: Uint8Array, lut: Uint8Array): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(grey.length * 4);
  for (let p = 0; p < grey.length; p++) {
    const g = lut[grey[p]];
    out[4 * p] = g;
    out[4 * p + 1] = g;
    out[4 * p + 2] = g;
    out[4 * p + 3] = 255;
  }
  return out;
}

/** Window/level in words for the status line ("W 256 / L 128 (full range)"). */
export function windowLevelText(v: ViewState): string {
  const full = v.window === DEFAULT_VIEW.window && v.level === DEFAULT_VIEW.level;
  return `W ${v.window} / L ${v.level}${full ? ' (full range)' : ''}`;
}
