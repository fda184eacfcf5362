/**
 * 8-neighbourhood visiting for the texture matrices. Interior pixels use fixed index offsets
 * (no bounds checks: most pixels of a 64 px image); only the one-pixel frame takes the checked
 * path. Callers get neighbour indices through `forEachNeighbour` style loops they inline.
 */
export function neighbourOffsets(width: number): Int32Array {
  return Int32Array.of(-width - 1, -width, -width + 1, -1, 1, width - 1, width, width + 1);
}

/** Writes the in-image 8-neighbours of (r, c) into `out`, returns how many. */
export function borderNeighbours(r: number, c: number, width: number, height: number, out: Int32Array): number {
  let n = 0;
  for (let dr = -1; dr <= 1; dr++) {
    const rr = r + dr;
    if (rr < 0 || rr >= height) continue;
    for (let dc = -1; dc <= 1; dc++) {
      const cc = c + dc;
      if ((dr === 0 && dc === 0) || cc < 0 || cc >= width) continue;
      out[n++] = rr * width + cc;
    }
  }
  return n;
}

/**
 * Neighbour index lists for every pixel, built once per image size: for pixel p its neighbours
 * are indices[start[p] .. start[p + 1]). Lets the hot loops run without any bounds logic.
 */
export interface NeighbourTable {
  start: Int32Array;
  indices: Int32Array;
}

export function buildNeighbourTable(width: number, height: number): NeighbourTable {
  const np = width * height;
  const start = new Int32Array(np + 1);
  const indices = new Int32Array(np * 8);
  const offsets = neighbourOffsets(width);
  const scratch = new Int32Array(8);
  let n = 0;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const p = r * width + c;
      start[p] = n;
      if (r > 0 && c > 0 && r < height - 1 && c < width - 1) {
        for (let k = 0; k < 8; k++) indices[n++] = p + offsets[k];
      } else {
        const count = borderNeighbours(r, c, width, height, scratch);
        for (let k = 0; k < count; k++) indices[n++] = scratch[k];
      }
    }
  }
  start[np] = n;
  return { start, indices: indices.subarray(0, n) };
}
