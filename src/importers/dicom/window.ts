/** VOI windowing (PS3.3 C.11.2.1.2, linear function) and the CT presets radiologists use. */

export interface VoiWindow {
  center: number;
  width: number;
}

export const CT_WINDOW_PRESETS = {
  brain: { center: 40, width: 80 },
  lung: { center: -600, width: 1500 },
  bone: { center: 300, width: 1500 },
  abdomen: { center: 40, width: 400 },
} as const satisfies Record<string, VoiWindow>;

export type CtWindowPreset = keyof typeof CT_WINDOW_PRESETS;

/** `file` = the file's own window (or the data range when it has none); `range` = min..max of each frame. */
export type WindowChoice = { kind: 'file' } | { kind: 'range' } | { kind: 'preset'; preset: CtWindowPreset } | { kind: 'custom'; window: VoiWindow };

/** Map modality values to [0, 1] with the DICOM linear VOI function. */
export function applyWindow(values: Float32Array, window: VoiWindow, out = new Float32Array(values.length)): Float32Array {
  const { center, width } = window;
  // Width 1 is a threshold (PS3.3 C.11.2.1.2.1); the linear formula would divide by width - 1 = 0,
  // which turned every constant frame (whose range window has width 1) into NaN.
  if (width <= 1) {
    for (let i = 0; i < values.length; i++) out[i] = values[i] <= center - 0.5 ? 0 : 1;
    return out;
  }
  const low = center - 0.5 - (width - 1) / 2;
  const scale = 1 / (width - 1);
  for (let i = 0; i < values.length; i++) {
    const v = (values[i] - low) * scale;
    out[i] = v <= 0 ? 0 : v >= 1 ? 1 : v;
  }
  return out;
}

/** A window that spans the data exactly, for images that carry no window of their own. */
export function rangeWindow(values: Float32Array): VoiWindow {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) return { center: 0, width: 1 };
  // Width w maps [c - 0.5 - (w-1)/2, c - 0.5 + (w-1)/2] to [0, 1].
  const width = Math.max(1, max - min + 1);
  return { center: min + 0.5 + (width - 1) / 2, width };
}
