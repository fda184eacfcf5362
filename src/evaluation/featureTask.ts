/**
 * The messages between a feature pool (featurePool.ts) and its workers (workers/features.worker.ts
 * in the browser, workers/features.node.ts under Node), and the work a worker does for one
 * message: radiomics of a chunk of images, or one row range of the pairwise scans behind KID and
 * PRDC. Plain data and typed arrays only, so they cross postMessage by structured clone; the
 * pixel and feature buffers of a radiomics chunk are transferred, not copied.
 */
import { scanCross, scanWithin, type CrossInput, type CrossPartial, type PairScanSetup, type RowRange, type WithinPartial } from '../metrics/distribution/pairScans';
import { radiomicsFeatures, type RadiomicsOptions } from '../metrics/radiomics/features';
import { errorMessage } from '../core/errorMessage';

export interface RadiomicsTask {
  kind: 'radiomics';
  /** Echoed in the reply, so a reply can never be filed under the wrong chunk. */
  id: number;
  /** count × size × size values, image after image, as radiomicsFeatures takes them. */
  images: Uint8Array | Float32Array | Float64Array;
  size: number;
  options: RadiomicsOptions;
}

/** Phase 1 of the pairwise scans (pairScans.ts) over the given rows of each set. */
export interface WithinScanTask {
  kind: 'within';
  id: number;
  setup: PairScanSetup;
  realRows: RowRange;
  fakeRows: RowRange;
}

/** Phase 2 over the given real rows. */
export interface CrossScanTask {
  kind: 'cross';
  id: number;
  setup: PairScanSetup;
  input: CrossInput;
  realRows: RowRange;
}

export type FeatureTask = RadiomicsTask | WithinScanTask | CrossScanTask;

export type FeatureReply =
  | { kind: 'features'; id: number; rows: number; cols: number; data: Float64Array }
  | { kind: 'within'; id: number; partial: WithinPartial }
  | { kind: 'cross'; id: number; partial: CrossPartial }
  | { kind: 'failed'; id: number; message: string };

/** What a worker does with one task; a thrown error becomes a 'failed' reply naming it. */
export function runFeatureTask(task: FeatureTask): FeatureReply {
  try {
    switch (task.kind) {
      case 'radiomics': {
        const { features } = radiomicsFeatures(task.images, task.size, task.options);
        return { kind: 'features', id: task.id, rows: features.rows, cols: features.cols, data: features.data as Float64Array };
      }
      case 'within':
        return { kind: 'within', id: task.id, partial: scanWithin(task.setup, task.realRows, task.fakeRows) };
      case 'cross':
        return { kind: 'cross', id: task.id, partial: scanCross(task.setup, task.input, task.realRows) };
    }
  } catch (error) {
    return { kind: 'failed', id: task.id, message: errorMessage(error) };
  }
}

/** Buffers a task can hand over instead of copying: a radiomics chunk is a copy made for the worker. */
export function taskTransfer(task: FeatureTask): ArrayBuffer[] {
  return task.kind === 'radiomics' ? [task.images.buffer as ArrayBuffer] : [];
}

/** Buffers a reply can hand over instead of copying. */
export function replyTransfer(reply: FeatureReply): ArrayBuffer[] {
  switch (reply.kind) {
    case 'features':
      return [reply.data.buffer as ArrayBuffer];
    case 'within':
      return [reply.partial.xx.blockSums, reply.partial.xx.blockSubsetSums, reply.partial.yy.blockSums, reply.partial.yy.blockSubsetSums, reply.partial.realBest, reply.partial.fakeBest].map((a) => a.buffer as ArrayBuffer);
    case 'cross':
      return [reply.partial.xy.blockSums, reply.partial.xy.blockSubsetSums, reply.partial.realBallsHit, reply.partial.insideFakeBall, reply.partial.nearestFake].map((a) => a.buffer as ArrayBuffer);
    case 'failed':
      return [];
  }
}
