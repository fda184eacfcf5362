/** The geometry of a convolution as the direct loops (./conv2dDirect.ts) and the Winograd path (./conv2dWinograd.ts) take it. */

/** Where the output lies on the input: strides and the (possibly negative) padding before each axis. */
export interface DirectConvGeometry {
  strideHeight: number;
  strideWidth: number;
  /** Padding before row 0 / column 0 (negative: that many input rows / columns are skipped). */
  padTop: number;
  padLeft: number;
  outHeight: number;
  outWidth: number;
}
