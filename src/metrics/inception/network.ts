/**
 * The FID Inception-v3 feature extractor over loaded weights: images in [0, 1] in, the 2048-d
 * pool3 features out, computed the way pytorch-fid's InceptionV3 (resize_input=True,
 * normalize_input=True, output block 3) computes them.
 */
import * as tf from '@tensorflow/tfjs';
import { FID_INCEPTION_CONVS, FID_INPUT_SIZE, POOL3_FEATURES, type BasicConvSpec } from './architecture';
import { pool3, type ConvLayer } from './blocks';
import type { InceptionWeights } from './weights';

export interface FidInception {
  /**
   * N×H×W×C images in [0, 1], any size, C = 1 (grey, replicated to RGB like PIL's convert('RGB'))
   * or 3 → N×2048 pool3 features. The caller owns both tensors.
   */
  features(images: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}

export interface ConvLayers {
  conv: ConvLayer;
  dispose(): void;
}

/** Uploads the folded convolutions once and returns the BasicConv2d applier. */
export function createConvLayers(weights: InceptionWeights): ConvLayers {
  const layers = new Map<string, { spec: BasicConvSpec; filter: tf.Tensor4D; bias: tf.Tensor1D; pad: 'same' | 'valid' }>();
  for (const spec of FID_INCEPTION_CONVS) {
    const folded = weights.convs[spec.name];
    if (!folded) throw new Error(`Inception weights lack layer ${spec.name}`);
    const [kh, kw] = spec.kernel;
    layers.set(spec.name, {
      spec,
      filter: tf.tensor4d(folded.filter, [kh, kw, spec.inChannels, spec.outChannels]),
      bias: tf.tensor1d(folded.bias),
      pad: paddingMode(spec),
    });
  }
  return {
    conv(name, x) {
      const layer = layers.get(name);
      if (!layer) throw new Error(`no Inception layer named ${name}`);
      const s = layer.spec.stride;
      return tf.fused.conv2d({ x, filter: layer.filter, strides: [s, s], pad: layer.pad, bias: layer.bias, activation: 'relu' });
    },
    dispose() {
      for (const layer of layers.values()) tf.dispose([layer.filter, layer.bias]);
      layers.clear();
    },
  };
}

/**
 * Every padded Inception conv has stride 1 and pads (k−1)/2 on each side, which is exactly TF's
 * 'same' for odd kernels; unpadded ones are 'valid'. Named modes run on every tfjs backend.
 */
function paddingMode(spec: BasicConvSpec): 'same' | 'valid' {
  const [ph, pw] = spec.padding;
  const [kh, kw] = spec.kernel;
  if (ph === 0 && pw === 0) return 'valid';
  if (spec.stride === 1 && kh % 2 === 1 && kw % 2 === 1 && 2 * ph === kh - 1 && 2 * pw === kw - 1) return 'same';
  throw new Error(`layer ${spec.name}: padding [${spec.padding}] is neither 'same' nor 'valid'`);
}

/**
 * pytorch-fid's input path: F.interpolate(size=299, mode='bilinear', align_corners=False), then
 * 2x − 1. tfjs' resizeBilinear with halfPixelCenters samples the same two taps per axis with the
 * same weights, up- or downsampling (no antialiasing in either).
 */
export function toInceptionInput(images: tf.Tensor4D): tf.Tensor4D {
  const channels = images.shape[3];
  if (channels !== 1 && channels !== 3) throw new Error(`Inception features need 1 or 3 channels, got ${channels}`);
  return tf.tidy(() => {
    let x: tf.Tensor4D = images.dtype === 'float32' ? images : tf.cast(images, 'float32');
    if (channels === 1) x = tf.tile(x, [1, 1, 1, 3]);
    const [, height, width] = x.shape;
    // At 299×299 the bilinear resize is the identity (every sample lands on a pixel centre).
    if (height !== FID_INPUT_SIZE || width !== FID_INPUT_SIZE) x = tf.image.resizeBilinear(x, [FID_INPUT_SIZE, FID_INPUT_SIZE], false, true);
    return tf.sub(tf.mul(x, 2), 1);
  });
}

export function createFidInception(weights: InceptionWeights): FidInception {
  const layers = createConvLayers(weights);
  let disposed = false;
  return {
    features(images) {
      if (disposed) throw new Error('this FID Inception network was disposed');
      if (images.shape[0] === 0) return tf.zeros([0, POOL3_FEATURES]) as tf.Tensor2D;
      const input = toInceptionInput(images);
      try {
        return pool3(layers.conv, input);
      } finally {
        input.dispose();
      }
    },
    dispose() {
      disposed = true;
      layers.dispose();
    },
  };
}
