/**
 * The messages between a feature pool (featurePool.ts) and its workers (workers/features.worker.ts
 * in the browser, workers/features.node.ts under Node), and the work a worker does for one
 * message. Plain data and typed arrays only, so they cross postMessage by structured clone; the
 * pixel and feature buffers are transferred, not copied.
 */
import { radiomicsFeatures, type RadiomicsOptions } from '../metrics/radiomics/features';

export interface FeatureTask {
  kind: 'radiomics';
  /** Echoed in the reply, so a reply can never be filed under the wrong chunk. */
  id: number;
  /** count × size × size values, image after image, as radiomicsFeatures takes them. */
  images: Uint8Array | Float32Array | Float64Array;
  size: number;
  options: RadiomicsOptions;
}

export type FeatureReply =
  | { kind: 'features'; id: number; rows: number; cols: number; data: Float64Array }
  | { kind: 'failed'; id: number; message: string };

/** What a worker does with one task; a thrown error becomes a 'failed' reply naming it. */
export function runFeatureTask(task: FeatureTask): FeatureReply {
  try {
    const { features } = radiomicsFeatures(task.images, task.size, task.options);
    return { kind: 'features', id: task.id, rows: features.rows, cols: features.cols, data: features.data as Float64Array };
  } catch (error) {
    return { kind: 'failed', id: task.id, message: error instanceof Error ? error.message : String(error) };
  }
}

/** Buffers a reply can hand over instead of copying. */
export function replyTransfer(reply: FeatureReply): ArrayBuffer[] {
  return reply.kind === 'features' ? [reply.data.buffer as ArrayBuffer] : [];
}
