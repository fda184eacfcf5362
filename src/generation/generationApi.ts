/** The generation domain as the worker exposes it: one trained model open for sampling, and audited synthetic export. */
import type { KeyValueStore } from '../storage/keyValueStore';
import type { DatasetMeta } from '../storage/datasetStore';
import type { CancelToken, ProgressCallback } from '../core/jobControl';
import type { Sampler, SamplerInfo } from './sampler';
import { exportSynthetic, listExportAudits, type ExportAudit, type SyntheticExportRequest } from './syntheticExport';
import { exportSyntheticDataset, type SyntheticExportFormat, type SyntheticFile } from './export/exportSyntheticDataset';
import { interpolateImages, regenerateImage, walkFromRealImage, type ImageStrip, type RegeneratedImage, type VaeWalk, type VaeWalkRequest } from './syntheticImageTools';
import type { SampleControls } from './renderSeeds';

export interface GenerationApi {
  /** Loads a run's latest or best checkpoint for interactive sampling (kept open until another is asked for). */
  open(runId: string, checkpoint: 'latest' | 'best'): Promise<SamplerInfo>;
  /** Standard-normal latents from a seed, as the open model draws them. */
  latents(n: number, seed: number): Promise<Float32Array>;
  /** Images (bytes) for the given latents and, for conditional models, labels. */
  render(latents: Float32Array, labels: Int32Array | null, controls?: SampleControls): Promise<Uint8Array>;
  /** Images (bytes) of images 0..n−1 of a seed (each from its own seed, as the export makes them). */
  renderSeeded(seed: number, labels: Int32Array | null, n: number, controls?: SampleControls): Promise<Uint8Array>;
  /** Replaces one image of a saved synthetic dataset with a new audited draw; its new seed goes into the provenance. */
  regenerateImage(datasetId: string, index: number): Promise<RegeneratedImage>;
  /** A strip of `frames` images between two images of a saved synthetic dataset (slerp for GANs and DDPM noise, linear for VAEs). */
  interpolate(datasetId: string, a: number, b: number, frames: number): Promise<ImageStrip>;
  /** VAE: a real image of the run's dataset, its reconstruction and a walk from its latent code. */
  walkFromRealImage(request: VaeWalkRequest): Promise<VaeWalk>;
  /** Generates (per-class counts, seed, truncation or temperature), audits for memorisation (dropping likely copies by default) and saves a dataset with its provenance. */
  exportSynthetic(request: SyntheticExportRequest, onProgress: ProgressCallback, cancel?: CancelToken): Promise<{ meta: DatasetMeta; audit: ExportAudit }>;
  /** A saved synthetic dataset as a marked file: one PNG or DICOM (image `index`), a ZIP of PNGs or of DICOM files with labels.csv, run card and audit, or an npz. */
  downloadSynthetic(datasetId: string, format: SyntheticExportFormat, options?: { index?: number }): Promise<SyntheticFile>;
  listExportAudits(runId: string): Promise<ExportAudit[]>;
}

export function createGenerationApi(store: KeyValueStore, sampler: Sampler, ready: () => Promise<unknown>): GenerationApi {
  return {
    open: async (runId, checkpoint) => (await ready(), sampler.open(runId, checkpoint)),
    latents: (n, seed) => sampler.latents(n, seed),
    render: (latents, labels, controls) => sampler.render(latents, labels, controls),
    renderSeeded: (seed, labels, n, controls) => sampler.renderSeeded(seed, labels, n, controls),
    regenerateImage: async (datasetId, index) => (await ready(), regenerateImage(store, datasetId, index)),
    interpolate: async (datasetId, a, b, frames) => (await ready(), interpolateImages(store, datasetId, a, b, frames)),
    walkFromRealImage: async (request) => (await ready(), walkFromRealImage(store, request)),
    exportSynthetic: async (request, onProgress, cancel) => (await ready(), exportSynthetic(store, request, onProgress, cancel)),
    downloadSynthetic: (datasetId, format, options) => exportSyntheticDataset(store, datasetId, format, options),
    listExportAudits: (runId) => listExportAudits(store, runId),
  };
}
