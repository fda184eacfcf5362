import type { FeatureMatrix, GreyImage, ImageStack } from './types';
import { MetricInputError } from './types';

export function assertFeatureMatrix(m: FeatureMatrix, what: string): void {
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 0 || m.cols < 1) {
    throw new MetricInputError(`${what}: invalid shape ${m.rows} x ${m.cols}`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new MetricInputError(`${what}: data has ${m.data.length} values, expected ${m.rows} x ${m.cols} = ${m.rows * m.cols}`);
  }
}

export function assertSameFeatureDims(a: FeatureMatrix, b: FeatureMatrix): void {
  if (a.cols !== b.cols) {
    throw new MetricInputError(`feature dimensions differ: real has ${a.cols}, fake has ${b.cols}`);
  }
}

export function assertImage(img: GreyImage, what: string): void {
  if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width < 1 || img.height < 1) {
    throw new MetricInputError(`${what}: invalid size ${img.width} x ${img.height}`);
  }
  if (img.data.length !== img.width * img.height) {
    throw new MetricInputError(`${what}: data has ${img.data.length} values, expected ${img.width} x ${img.height}`);
  }
}

export function assertSameSize(a: GreyImage, b: GreyImage): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new MetricInputError(`images differ in size: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  }
}

export function assertImageStack(s: ImageStack, what: string): void {
  const px = s.width * s.height;
  if (!Number.isInteger(s.count) || s.count < 0 || px < 1) {
    throw new MetricInputError(`${what}: invalid stack ${s.count} x ${s.width} x ${s.height}`);
  }
  if (s.data.length !== s.count * px) {
    throw new MetricInputError(`${what}: data has ${s.data.length} values, expected ${s.count} x ${s.width} x ${s.height}`);
  }
}
