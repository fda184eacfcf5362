/** FID Inception-v3 (pytorch-fid) features from the user's own weights file. See README.md. */
export { FID_INCEPTION_CONVS, FID_INPUT_SIZE, POOL3_FEATURES, type BasicConvSpec } from './architecture';
export { inceptionFeaturesFromPixels, type BatchedFeaturesOptions, type PixelImages } from './batched';
export {
  cachedInceptionFile,
  deleteCachedInceptionWeights,
  loadCachedInceptionWeights,
  readCachedInceptionFile,
  saveInceptionWeightsFile,
  type CachedInceptionFile,
} from './cache';
export { createFidInception, toInceptionInput, type FidInception } from './network';
export { detectCheckpointFormat, readTorchCheckpoint, readTorchStateDict, TorchCheckpointError, type TorchCheckpoint, type TorchTensor } from './torchCheckpoint';
export {
  FID_WEIGHTS_FILE_NAME,
  FID_WEIGHTS_SHA256_PREFIX,
  FID_WEIGHTS_URL,
  InceptionWeightsError,
  loadInceptionWeights,
  sha256Hex,
  type FoldedConv,
  type InceptionWeights,
  type LoadInceptionOptions,
} from './weights';
