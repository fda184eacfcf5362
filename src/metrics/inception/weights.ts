/**
 * Turns the FID Inception checkpoint (pytorch-fid's `pt_inception-2015-12-05-6726825d.pth`) into
 * tfjs-ready arrays: the file's SHA-256 is checked first (torch hub names files after the first
 * 8 hex digits of it), then every tensor's name and shape against the architecture, and each
 * BatchNorm is folded into its convolution so the network runs one fused conv per layer.
 */
import { BATCH_NORM_EPSILON, basicConvTensorShapes, FID_INCEPTION_CONVS, fidInceptionTensorShapes, type BasicConvSpec } from './architecture';
import { readTorchStateDict, TorchCheckpointError, type TorchTensor } from './torchCheckpoint';

export const FID_WEIGHTS_FILE_NAME = 'pt_inception-2015-12-05-6726825d.pth';
export const FID_WEIGHTS_SHA256_PREFIX = '6726825d';
/** Where pytorch-fid publishes the file; the studio never fetches it, the user brings it. */
export const FID_WEIGHTS_URL = 'https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth';

/** One BasicConv2d with its BatchNorm folded in: relu(conv(x, filter) + bias). */
export interface FoldedConv {
  /** [kernelHeight, kernelWidth, inChannels, outChannels] (tfjs HWIO), row-major. */
  filter: Float32Array;
  bias: Float32Array;
}

/** Plain data (structured-cloneable), so it can be handed to a worker. */
export interface InceptionWeights {
  /** SHA-256 of the checkpoint file, lower-case hex. */
  sha256: string;
  /** By BasicConv2d name (see FID_INCEPTION_CONVS). */
  convs: Record<string, FoldedConv>;
}

export interface LoadInceptionOptions {
  /** Names the file in error messages. */
  fileName?: string;
  /**
   * Required start of the file's SHA-256 (hex). Defaults to the FID weights' 6726825d; tests that
   * write their own random checkpoint pass that file's prefix instead.
   */
  expectSha256Prefix?: string;
}

export class InceptionWeightsError extends Error {
  override name = 'InceptionWeightsError';
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function loadInceptionWeights(bytes: Uint8Array, options: LoadInceptionOptions = {}): Promise<InceptionWeights> {
  const fileName = options.fileName ?? 'the Inception weights file';
  const expected = (options.expectSha256Prefix ?? FID_WEIGHTS_SHA256_PREFIX).toLowerCase();
  if (!/^[0-9a-f]{8,64}$/.test(expected)) throw new InceptionWeightsError(`expected SHA-256 prefix "${expected}" is not 8 to 64 hex digits`);
  const sha256 = await sha256Hex(bytes);
  if (!sha256.startsWith(expected)) {
    throw new InceptionWeightsError(
      `${fileName}: SHA-256 is ${sha256}, which does not start with ${expected}. This is not the FID Inception weights file ` +
        `${FID_WEIGHTS_FILE_NAME} (or it is damaged); download that exact file from ${FID_WEIGHTS_URL}.`,
    );
  }
  const stateDict = readTorchStateDict(bytes, fileName);
  checkTensors(stateDict, fileName);
  const convs: Record<string, FoldedConv> = {};
  for (const spec of FID_INCEPTION_CONVS) convs[spec.name] = foldBasicConv(spec, stateDict);
  return { sha256, convs };
}

/** Mirrors load_state_dict(strict=True): same names, same shapes, nothing extra. */
function checkTensors(stateDict: Map<string, TorchTensor>, fileName: string): void {
  const problems: string[] = [];
  const expected = new Map(fidInceptionTensorShapes());
  for (const [name, shape] of expected) {
    const tensor = stateDict.get(name);
    if (!tensor) problems.push(`missing ${name}`);
    else if (!tensor.dtype.startsWith('float') && tensor.dtype !== 'bfloat16') problems.push(`${name} is ${tensor.dtype}, not floating point`);
    else if (tensor.shape.join('x') !== shape.join('x')) problems.push(`${name} has shape [${tensor.shape}], expected [${shape}]`);
  }
  for (const name of stateDict.keys()) {
    if (!expected.has(name) && !name.endsWith('.bn.num_batches_tracked')) problems.push(`unexpected ${name}`);
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 6).join('; ');
    const more = problems.length > 6 ? ` and ${problems.length - 6} more` : '';
    throw new TorchCheckpointError(`${fileName}: is not a pytorch-fid FID Inception state_dict: ${shown}${more}`);
  }
}

/** BN(conv(x)) = conv(x, W·s) + (β − μ·s) with s = γ / √(σ² + ε), computed in float64. */
function foldBasicConv(spec: BasicConvSpec, stateDict: Map<string, TorchTensor>): FoldedConv {
  const [weightName, gammaName, betaName, meanName, varName] = basicConvTensorShapes(spec).map(([name]) => name);
  const weight = stateDict.get(weightName)!.values as Float32Array | Float64Array;
  const gamma = stateDict.get(gammaName)!.values as Float32Array | Float64Array;
  const beta = stateDict.get(betaName)!.values as Float32Array | Float64Array;
  const mean = stateDict.get(meanName)!.values as Float32Array | Float64Array;
  const variance = stateDict.get(varName)!.values as Float32Array | Float64Array;
  const { inChannels: cin, outChannels: cout } = spec;
  const [kh, kw] = spec.kernel;
  const filter = new Float32Array(kh * kw * cin * cout);
  const bias = new Float32Array(cout);
  for (let o = 0; o < cout; o++) {
    const scale = gamma[o] / Math.sqrt(variance[o] + BATCH_NORM_EPSILON);
    bias[o] = beta[o] - mean[o] * scale;
    for (let i = 0; i < cin; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          // PyTorch OIHW → tfjs HWIO
          filter[((y * kw + x) * cin + i) * cout + o] = weight[((o * cin + i) * kh + y) * kw + x] * scale;
        }
      }
    }
  }
  return { filter, bias };
}
