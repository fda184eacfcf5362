/**
 * A Svelte action that paints raw 8-bit pixels (grey or RGB) into a canvas at native size; CSS
 * scales it with `image-rendering: pixelated` so users see the real pixels, not a smoothed guess.
 */
export interface RawImage {
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

export function paintImage(canvas: HTMLCanvasElement, image: RawImage | null) {
  function draw(img: RawImage | null) {
    const ctx = canvas.getContext('2d');
    if (!ctx || !img) return;
    canvas.width = img.width;
    canvas.height = img.height;
    const rgba = new Uint8ClampedArray(img.width * img.height * 4);
    for (let p = 0, q = 0; p < img.width * img.height; p++, q += img.channels) {
      rgba[4 * p] = img.pixels[q];
      rgba[4 * p + 1] = img.pixels[img.channels === 3 ? q + 1 : q];
      rgba[4 * p + 2] = img.pixels[img.channels === 3 ? q + 2 : q];
      rgba[4 * p + 3] = 255;
    }
    ctx.putImageData(new ImageData(rgba, img.width, img.height), 0, 0);
  }
  draw(image);
  return { update: draw };
}
