/**
 * A conv share's zero padding: each thread copies its own images into a buffer with the conv's
 * zero border around them (or cropped, where a padding is negative), so that the loops never test
 * an edge and the copy is split between threads too.
 */
/** Where a conv share's unpadded images lie and how they sit in the padded buffer (bytes for addresses). */
export interface PaddingShare {
  /** x[first image, 0, 0, 0] of the unpadded input. */
  source: number;
  height: number;
  width: number;
  channels: number;
  paddedHeight: number;
  paddedWidth: number;
  /** Padding before row 0 / column 0; negative: that many input rows / columns are skipped. */
  padTop: number;
  padLeft: number;
}
export const PADDING_KEYS = ['source', 'height', 'width', 'channels', 'paddedHeight', 'paddedWidth', 'padTop', 'padLeft'] as const;
export function paddingArgs(p: PaddingShare): number[] {
  return PADDING_KEYS.map((k) => p[k]);
}
/**
 * Copies `images` images from p.source into the zeroed border of the padded buffer at `target`
 * (bytes). Only the border is zeroed: the interior is overwritten by the rows.
 */
export function padImages(memory: WebAssembly.Memory, p: PaddingShare, target: number, images: number): void {
  const { height, width, channels, paddedHeight, paddedWidth, padTop, padLeft } = p;
  const paddedRow = paddedWidth * channels;
  const source = new Float32Array(memory.buffer, p.source, images * height * width * channels);
  const padded = new Float32Array(memory.buffer, target, images * paddedHeight * paddedRow);
  const firstColumn = Math.max(0, padLeft);
  const sourceColumn = firstColumn - padLeft;
  const columns = Math.max(0, Math.min(paddedWidth - firstColumn, width - sourceColumn));
  const firstRow = columns > 0 ? Math.max(0, padTop) : paddedHeight;
  const lastRow = columns > 0 ? Math.min(paddedHeight, height + padTop) : paddedHeight;
  const run = columns * channels;
  const left = firstColumn * channels;
  for (let n = 0; n < images; n++) {
    const image = n * paddedHeight * paddedRow;
    padded.fill(0, image, image + firstRow * paddedRow);
    padded.fill(0, image + Math.max(firstRow, lastRow) * paddedRow, image + paddedHeight * paddedRow);
    for (let r = firstRow; r < lastRow; r++) {
      const to = image + r * paddedRow;
      const from = ((n * height + r - padTop) * width + sourceColumn) * channels;
      if (left > 0) padded.fill(0, to, to + left);
      padded.set(source.subarray(from, from + run), to + left);
      if (left + run < paddedRow) padded.fill(0, to + left + run, to + paddedRow);
    }
  }
}
