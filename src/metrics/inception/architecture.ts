/**
 * The layer table of pytorch-fid's FID Inception-v3 (`fid_inception_v3()` in
 * src/pytorch_fid/inception.py, built on torchvision's Inception3 with num_classes 1008 and no
 * aux logits). One row per BasicConv2d (conv without bias → BatchNorm(eps 0.001) → ReLU), named
 * exactly as in the state_dict, so the loader can check a checkpoint and tests can write one.
 */

export interface BasicConvSpec {
  /** state_dict prefix, e.g. "Mixed_5b.branch5x5_2". */
  name: string;
  inChannels: number;
  outChannels: number;
  /** [height, width] */
  kernel: [number, number];
  stride: 1 | 2;
  /** PyTorch's symmetric zero padding, [rows, cols]. */
  padding: [number, number];
}

export const BATCH_NORM_EPSILON = 0.001;
export const FID_INPUT_SIZE = 299;
export const POOL3_FEATURES = 2048;
/** The classifier the FID weights also carry (1008 classes of the 2015 TF graph); pool3 does not use it. */
export const LOGIT_CLASSES = 1008;

function conv(name: string, inChannels: number, outChannels: number, kernel: number | [number, number], stride: 1 | 2 = 1, padding: number | [number, number] = 0): BasicConvSpec {
  return {
    name,
    inChannels,
    outChannels,
    kernel: typeof kernel === 'number' ? [kernel, kernel] : kernel,
    stride,
    padding: typeof padding === 'number' ? [padding, padding] : padding,
  };
}

function inceptionA(prefix: string, inChannels: number, poolFeatures: number): BasicConvSpec[] {
  return [
    conv(`${prefix}.branch1x1`, inChannels, 64, 1),
    conv(`${prefix}.branch5x5_1`, inChannels, 48, 1),
    conv(`${prefix}.branch5x5_2`, 48, 64, 5, 1, 2),
    conv(`${prefix}.branch3x3dbl_1`, inChannels, 64, 1),
    conv(`${prefix}.branch3x3dbl_2`, 64, 96, 3, 1, 1),
    conv(`${prefix}.branch3x3dbl_3`, 96, 96, 3, 1, 1),
    conv(`${prefix}.branch_pool`, inChannels, poolFeatures, 1),
  ];
}

function inceptionB(prefix: string, inChannels: number): BasicConvSpec[] {
  return [
    conv(`${prefix}.branch3x3`, inChannels, 384, 3, 2),
    conv(`${prefix}.branch3x3dbl_1`, inChannels, 64, 1),
    conv(`${prefix}.branch3x3dbl_2`, 64, 96, 3, 1, 1),
    conv(`${prefix}.branch3x3dbl_3`, 96, 96, 3, 2),
  ];
}

function inceptionC(prefix: string, inChannels: number, c7: number): BasicConvSpec[] {
  return [
    conv(`${prefix}.branch1x1`, inChannels, 192, 1),
    conv(`${prefix}.branch7x7_1`, inChannels, c7, 1),
    conv(`${prefix}.branch7x7_2`, c7, c7, [1, 7], 1, [0, 3]),
    conv(`${prefix}.branch7x7_3`, c7, 192, [7, 1], 1, [3, 0]),
    conv(`${prefix}.branch7x7dbl_1`, inChannels, c7, 1),
    conv(`${prefix}.branch7x7dbl_2`, c7, c7, [7, 1], 1, [3, 0]),
    conv(`${prefix}.branch7x7dbl_3`, c7, c7, [1, 7], 1, [0, 3]),
    conv(`${prefix}.branch7x7dbl_4`, c7, c7, [7, 1], 1, [3, 0]),
    conv(`${prefix}.branch7x7dbl_5`, c7, 192, [1, 7], 1, [0, 3]),
    conv(`${prefix}.branch_pool`, inChannels, 192, 1),
  ];
}

function inceptionD(prefix: string, inChannels: number): BasicConvSpec[] {
  return [
    conv(`${prefix}.branch3x3_1`, inChannels, 192, 1),
    conv(`${prefix}.branch3x3_2`, 192, 320, 3, 2),
    conv(`${prefix}.branch7x7x3_1`, inChannels, 192, 1),
    conv(`${prefix}.branch7x7x3_2`, 192, 192, [1, 7], 1, [0, 3]),
    conv(`${prefix}.branch7x7x3_3`, 192, 192, [7, 1], 1, [3, 0]),
    conv(`${prefix}.branch7x7x3_4`, 192, 192, 3, 2),
  ];
}

function inceptionE(prefix: string, inChannels: number): BasicConvSpec[] {
  return [
    conv(`${prefix}.branch1x1`, inChannels, 320, 1),
    conv(`${prefix}.branch3x3_1`, inChannels, 384, 1),
    conv(`${prefix}.branch3x3_2a`, 384, 384, [1, 3], 1, [0, 1]),
    conv(`${prefix}.branch3x3_2b`, 384, 384, [3, 1], 1, [1, 0]),
    conv(`${prefix}.branch3x3dbl_1`, inChannels, 448, 1),
    conv(`${prefix}.branch3x3dbl_2`, 448, 384, 3, 1, 1),
    conv(`${prefix}.branch3x3dbl_3a`, 384, 384, [1, 3], 1, [0, 1]),
    conv(`${prefix}.branch3x3dbl_3b`, 384, 384, [3, 1], 1, [1, 0]),
    conv(`${prefix}.branch_pool`, inChannels, 192, 1),
  ];
}

/** Every BasicConv2d of the FID Inception, in state_dict order. */
export const FID_INCEPTION_CONVS: readonly BasicConvSpec[] = [
  conv('Conv2d_1a_3x3', 3, 32, 3, 2),
  conv('Conv2d_2a_3x3', 32, 32, 3),
  conv('Conv2d_2b_3x3', 32, 64, 3, 1, 1),
  conv('Conv2d_3b_1x1', 64, 80, 1),
  conv('Conv2d_4a_3x3', 80, 192, 3),
  ...inceptionA('Mixed_5b', 192, 32),
  ...inceptionA('Mixed_5c', 256, 64),
  ...inceptionA('Mixed_5d', 288, 64),
  ...inceptionB('Mixed_6a', 288),
  ...inceptionC('Mixed_6b', 768, 128),
  ...inceptionC('Mixed_6c', 768, 160),
  ...inceptionC('Mixed_6d', 768, 160),
  ...inceptionC('Mixed_6e', 768, 192),
  ...inceptionD('Mixed_7a', 768),
  ...inceptionE('Mixed_7b', 1280),
  ...inceptionE('Mixed_7c', 2048),
];

/** The per-conv tensors of a BasicConv2d in the state_dict, with their PyTorch shapes. */
export function basicConvTensorShapes(spec: BasicConvSpec): [string, number[]][] {
  const c = spec.outChannels;
  return [
    [`${spec.name}.conv.weight`, [c, spec.inChannels, ...spec.kernel]],
    [`${spec.name}.bn.weight`, [c]],
    [`${spec.name}.bn.bias`, [c]],
    [`${spec.name}.bn.running_mean`, [c]],
    [`${spec.name}.bn.running_var`, [c]],
  ];
}

/** Every float tensor pytorch-fid's `load_state_dict` expects (num_batches_tracked is optional). */
export function fidInceptionTensorShapes(): [string, number[]][] {
  return [...FID_INCEPTION_CONVS.flatMap(basicConvTensorShapes), ['fc.weight', [LOGIT_CLASSES, POOL3_FEATURES]], ['fc.bias', [LOGIT_CLASSES]]];
}
