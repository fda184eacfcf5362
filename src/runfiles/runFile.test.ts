/**
 * Run files end to end on a tiny trained run: export → delete → import generates the same images
 * for the same seed (cpu and wasm), continuing an imported run (optimiser included) trains exactly
 * as the original continuing would, the card fingerprints the dataset without pixels, and every
 * kind of broken file is refused with its message while the store stays byte-for-byte unchanged.
 * Also: seed determinism of generation on cpu, and cpu against wasm within float tolerance.
 */
import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import { serialize } from 'node:v8';
import * as tf from '@tensorflow/tfjs';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from '../../models/io/safetensors';
import type { ModelConfigInput } from '../../models/types';
import { generatePhantoms } from '../data/phantom';
import { generateFromRun } from '../generation/generateFromRun';
import type { KeyValueStore } from '../storage/keyValueStore';
import { phantomRunStore } from '../testing/phantomRunStore';
import { useWasmBackend } from '../testing/wasmBackend';
import { sha256 } from '../training/checkpointCodec';
import { deleteRun, loadLatestGoodCheckpoint, loadRun, saveRun } from '../training/runStore';
import { Trainer, type TrainerHooks } from '../training/trainer';
import type { RunSettings } from '../training/runTypes';
import { BlobAssembler, exportRunFile, exportRunFileBlob, streamRunFile } from './exportRunFile';
import { exportAllRunFiles } from './runFilesApi';
import { readZipEntries, ZipReadError } from './zipEntries';
import { importRunFile } from './importRunFile';
import { PART, RunFileError, type RunCard, type RunFileManifest } from './runFileFormat';

const hooks: TrainerHooks = { emit: () => undefined, replaceBackend: async () => tf.getBackend(), backendName: () => tf.getBackend() };

function settings(model: ModelConfigInput, totalSteps: number): RunSettings {
  return { name: `tiny ${model.kind}`, datasetId: 'ds', model, totalSteps, readbackEvery: 2, sampleEvery: 100, checkpointEvery: 100, keepCheckpoints: 2, samplesPerClass: 2, seed: 9 };
}

async function train(store: KeyValueStore, id: string, s: RunSettings): Promise<void> {
  const trainer = await Trainer.create(store, id, s, hooks);
  try {
    await trainer.run();
  } finally {
    trainer.dispose();
  }
}

async function resumeTo(store: KeyValueStore, id: string, totalSteps: number): Promise<Map<string, Float32Array>> {
  const record = await loadRun(store, id);
  await saveRun(store, { ...record, settings: { ...record.settings, totalSteps } });
  const trainer = await Trainer.resume(store, id, hooks);
  try {
    await trainer.run();
  } finally {
    trainer.dispose();
  }
  const found = await loadLatestGoodCheckpoint(store, await loadRun(store, id), () => undefined);
  expect(found!.state.step).toBe(totalSteps);
  return new Map(found!.state.tensors.map((t) => [t.name, t.data]));
}

async function images(store: KeyValueStore, runId: string, seed: number, backend: 'cpu' | 'wasm'): Promise<Uint8Array> {
  await tf.setBackend(backend);
  const labels = Uint8Array.from([0, 1, 1, 0, 1, 1]);
  return (await generateFromRun(store, runId, { checkpoint: 'latest', count: labels.length, seed, labels })).pixels;
}

/** Every key and value of the store, serialised: equal dumps mean an unchanged store. */
async function dump(store: KeyValueStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const key of (await store.keys()).sort()) out.set(key, createHash('sha256').update(serialize(await store.get(key))).digest('hex'));
  return out;
}

const CONDITIONAL_DCGAN: ModelConfigInput = { kind: 'dcgan', width: 8, latentDim: 16, batchSize: 4, numClasses: 2, seed: 5 };

beforeAll(async () => {
  await useWasmBackend();
});

describe('run file round trip', () => {
  it('export → delete → import: same images for the same seed (cpu and wasm), the card fingerprints the dataset, and continuing matches the original', async () => {
    const store = await phantomRunStore('runfile');
    await tf.setBackend('wasm');
    await train(store, 'run-a', settings(CONDITIONAL_DCGAN, 6));
    const beforeCpu = await images(store, 'run-a', 11, 'cpu');
    const beforeWasm = await images(store, 'run-a', 11, 'wasm');

    // Seed determinism: the same seed twice on cpu is identical, another seed differs, wasm agrees within rounding.
    expect(await images(store, 'run-a', 11, 'cpu')).toEqual(beforeCpu);
    expect(await images(store, 'run-a', 12, 'cpu')).not.toEqual(beforeCpu);
    const maxDiff = beforeCpu.reduce((m, v, i) => Math.max(m, Math.abs(v - beforeWasm[i]!)), 0);
    expect(maxDiff).toBeLessThanOrEqual(2);

    const file = await exportRunFile(store, 'run-a', { includeOptimizer: true });
    expect(file.fileName).toBe('tiny-dcgan-step6.phantomrun');
    const card = file.card;
    expect(card.model.kind).toBe('dcgan');
    expect(card.checkpoint).toMatchObject({ step: 6, which: 'latest', hasOptimizer: true });
    expect(card.training.steps).toBe(6);
    expect(card.training.history.map((r) => r.step)).toEqual([2, 4, 6]);
    expect(card.training.trainingSeconds).toBeGreaterThan(0);
    const phantoms = generatePhantoms({ modality: 'head-ct', size: 32, count: 16, seed: 3 });
    const perClass = [0, 1].map((c) => phantoms.labels.filter((l) => l === c).length);
    expect(card.dataset).toMatchObject({ id: 'ds', name: 'phantoms', count: 16, classNames: ['normal', 'haemorrhage'], perSplit: { train: perClass, val: [0, 0], test: [0, 0] } });
    expect(card.dataset!.pixelsSha256).toBe(createHash('sha256').update(phantoms.images).digest('hex'));
    // Never pixels: the card is small JSON.
    expect(unzipSync(file.bytes)[PART.card]!.byteLength).toBeLessThan(20_000);

    // The original continues to step 8 (the file holds step 6): the reference for the imported run continuing.
    await tf.setBackend('wasm');
    const continued = await resumeTo(store, 'run-a', 8);

    await deleteRun(store, 'run-a');
    const imported = await importRunFile(store, file.bytes, file.fileName);
    expect(imported).toMatchObject({ name: 'tiny dcgan', step: 6, hasOptimizer: true, datasetId: 'ds' });
    const record = await loadRun(store, imported.runId);
    expect(record.imported?.fileName).toBe(file.fileName);
    expect(record.status).toBe('finished');
    expect(await images(store, imported.runId, 11, 'cpu')).toEqual(beforeCpu);
    expect(await images(store, imported.runId, 11, 'wasm')).toEqual(beforeWasm);

    // Continue the imported run two more steps: the same weights as the original continued.
    await tf.setBackend('wasm');
    const resumed = await resumeTo(store, imported.runId, 8);
    expect([...resumed.keys()].sort()).toEqual([...continued.keys()].sort());
    for (const [name, data] of continued) expect(resumed.get(name), name).toEqual(data);

    // An exported imported run carries its origin.
    const again = await exportRunFile(store, imported.runId, { includeOptimizer: false });
    expect(again.card.run.importedFrom).toBe(file.fileName);
    expect(unzipSync(again.bytes)[PART.optimizer]).toBeUndefined();
  }, 300_000);

  it('an import without optimiser state generates the same and continues with a fresh Adam (and says so)', async () => {
    const store = await phantomRunStore('runfile-noopt');
    await tf.setBackend('wasm');
    await train(store, 'run-b', settings({ kind: 'vae', width: 8, latentDim: 8, batchSize: 4, numClasses: 2, seed: 2 }, 4));
    const before = await images(store, 'run-b', 3, 'cpu');
    const file = await exportRunFile(store, 'run-b', { includeOptimizer: false });
    const imported = await importRunFile(store, file.bytes, 'vae.phantomrun');
    expect(imported.hasOptimizer).toBe(false);
    expect(await images(store, imported.runId, 3, 'cpu')).toEqual(before);
    expect((await loadRun(store, imported.runId)).log.map((l) => l.text).join('\n')).toMatch(/no optimiser state/);
    await tf.setBackend('wasm');
    await resumeTo(store, imported.runId, 6);
  }, 300_000);
});

// ---------------------------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------------------------

type Entries = Record<string, Uint8Array>;

/** Changes the archive's parts, then (unless told not to) refreshes the manifest's checksums as a careful forger would. */
async function altered(bytes: Uint8Array, change: (e: Entries, manifest: RunFileManifest) => void, refreshSums = true): Promise<Uint8Array> {
  const entries = unzipSync(bytes);
  const manifest = JSON.parse(new TextDecoder().decode(entries[PART.manifest])) as RunFileManifest;
  change(entries, manifest);
  if (refreshSums) {
    for (const name of Object.keys(manifest.parts)) {
      if (entries[name]) manifest.parts[name] = { sha256: await sha256(entries[name]!), bytes: entries[name]!.byteLength };
    }
  }
  entries[PART.manifest] = strToU8(JSON.stringify(manifest));
  return zipSync(entries);
}

function withTensors(entries: Entries, change: (t: { name: string; shape: number[]; data: Float32Array }[]) => typeof t): void {
  const decoded = decodeSafetensors(entries[PART.weights]!);
  const t = decoded.tensors;
  entries[PART.weights] = encodeSafetensors(change(t), decoded.metadata);
}

function withCard(entries: Entries, change: (card: RunCard) => void): void {
  const card = JSON.parse(new TextDecoder().decode(entries[PART.card])) as RunCard;
  change(card);
  entries[PART.card] = strToU8(JSON.stringify(card));
}

describe('run file refusals', () => {
  it('refuses each kind of broken file, naming the file and the part, and leaves the store unchanged', async () => {
    const store = await phantomRunStore('runfile-refuse');
    await tf.setBackend('wasm');
    await train(store, 'run-c', settings(CONDITIONAL_DCGAN, 2));
    const good = (await exportRunFile(store, 'run-c')).bytes;
    const cases: [string, Uint8Array, string | null, RegExp][] = [
      ['corrupt archive', good.slice(0, good.length - 200), null, /ZIP archive is corrupt or truncated/],
      ['not a zip', strToU8('hello'), null, /ZIP archive is corrupt/],
      ['missing part', await altered(good, (e) => void delete e[PART.weights], false), PART.weights, /missing from the archive/],
      ['sha mismatch', await altered(good, (e) => void (e[PART.weights]![e[PART.weights]!.length - 1] ^= 1), false), PART.weights, /SHA-256 mismatch/],
      ['extra part', await altered(good, (e) => void (e['notes.txt'] = strToU8('hi')), false), 'notes.txt', /not in the manifest/],
      ['unknown format version', await altered(good, (_, m) => void (m.version = 2)), PART.manifest, /format version 2 is not one this studio reads/],
      ['missing tensor', await altered(good, (e) => withTensors(e, (t) => t.slice(1))), PART.weights, /lacks tensor "/],
      ['extra tensor', await altered(good, (e) => withTensors(e, (t) => [...t, { name: 'G/extra/w', shape: [2], data: new Float32Array(2) }])), PART.weights, /tensor a dcgan of this config does not have: "G\/extra\/w"/],
      ['wrong shape', await altered(good, (e) => withTensors(e, (t) => t.map((x, i) => (i === 0 ? { ...x, shape: [x.data.length] } : x)))), PART.weights, /has shape \[\d+\], the model needs \[/],
      ['unknown model kind', await altered(good, (e) => withCard(e, (c) => void ((c.model as { kind: string }).kind = 'stylegan9'))), PART.card, /unknown model kind "stylegan9"/],
      ['broken safetensors', await altered(good, (e) => void (e[PART.weights] = e[PART.weights]!.slice(0, 100))), PART.weights, /runs past|header claims|bytes of data/],
      ['missing optimiser steps', await altered(good, (e) => {
        const d = decodeSafetensors(e[PART.optimizer]!);
        e[PART.optimizer] = encodeSafetensors(d.tensors, { kind: 'dcgan' });
      }), PART.optimizer, /step counts/],
    ];
    const before = await dump(store);
    for (const [what, bytes, part, message] of cases) {
      const error = await importRunFile(store, bytes, 'broken.phantomrun').then(() => null, (e: unknown) => e);
      expect(error, what).toBeInstanceOf(RunFileError);
      const e = error as RunFileError;
      expect(e.part, what).toBe(part);
      expect(e.message, what).toMatch(message);
      expect(e.message, what).toMatch(new RegExp(`^broken\\.phantomrun${part ? ` › ${part.replace('.', '\\.')}` : ''}: .*Nothing was imported\\.$`));
      expect(await dump(store), `${what}: store changed`).toEqual(before);
    }
  }, 300_000);
});

// ---------------------------------------------------------------------------------------------
// Streaming: the archive leaves in pieces and comes back without a second copy
// ---------------------------------------------------------------------------------------------

describe('run files stream', () => {
  it('streams the archive in pieces no larger than the largest tensor, as a Blob too, and imports it back reading stored parts in place', async () => {
    const store = await phantomRunStore('runfile-stream');
    await tf.setBackend('wasm');
    await train(store, 'run-s', settings(CONDITIONAL_DCGAN, 2));
    await train(store, 'run-t', settings({ kind: 'vae', width: 8, latentDim: 8, batchSize: 4, numClasses: 2, seed: 2 }, 2));
    const state = (await loadLatestGoodCheckpoint(store, await loadRun(store, 'run-s'), () => undefined))!.state;
    const largestTensor = Math.max(...state.tensors.map((t) => t.data.byteLength));

    const chunks: Uint8Array[] = [];
    const streamed = await streamRunFile(store, 'run-s', (chunk) => void chunks.push(chunk.slice()), { includeOptimizer: true });
    const total = chunks.reduce((n, c) => n + c.byteLength, 0);
    expect(streamed.size).toBe(total);
    // No piece is the whole archive or a whole part: the largest is one tensor's data.
    expect(Math.max(...chunks.map((c) => c.byteLength))).toBeLessThanOrEqual(largestTensor);
    expect(chunks.length).toBeGreaterThan(state.tensors.length);
    const bytes = new Uint8Array(total);
    chunks.reduce((at, c) => (bytes.set(c, at), at + c.byteLength), 0);

    // A standard ZIP reader reads it; the manifest comes first and names each part's SHA-256.
    const entries = unzipSync(bytes);
    expect(Object.keys(entries)[0]).toBe(PART.manifest);
    const manifest = JSON.parse(new TextDecoder().decode(entries[PART.manifest])) as RunFileManifest;
    for (const [name, part] of Object.entries(manifest.parts)) expect(await sha256(entries[name]!), name).toBe(part.sha256);
    expect(decodeSafetensors(entries[PART.weights]!).tensors.length).toBeGreaterThan(0);

    // The reader used by the import returns stored parts as views of the archive (no second copy) and the same bytes as fflate.
    const inPlace = readZipEntries(bytes);
    expect(Object.keys(inPlace).sort()).toEqual(Object.keys(entries).sort());
    for (const name of Object.keys(entries)) expect(inPlace[name], name).toEqual(entries[name]);
    expect(inPlace[PART.weights]!.buffer).toBe(bytes.buffer);
    expect(inPlace[PART.optimizer]!.buffer).toBe(bytes.buffer);
    expect(() => readZipEntries(bytes.slice(0, bytes.length - 10))).toThrow(ZipReadError);

    // The studio's download: a Blob assembled from the chunks (tiny flushes here, so several Blobs are joined).
    const assembler = new BlobAssembler(1024);
    await streamRunFile(store, 'run-s', assembler.sink);
    const blob = assembler.blob();
    expect(blob.type).toBe('application/zip');
    const fromBlob = await exportRunFileBlob(store, 'run-s');
    expect(fromBlob.size).toBe(fromBlob.blob.size);
    const imported = await importRunFile(store, new Uint8Array(await blob.arrayBuffer()), fromBlob.fileName);
    expect(imported).toMatchObject({ step: 2, hasOptimizer: true });
    expect(await images(store, imported.runId, 4, 'cpu')).toEqual(await images(store, 'run-s', 4, 'cpu'));

    // Every model before "Delete all my data": one ZIP (a Blob) of run files, each importable.
    const all = await exportAllRunFiles(store, { includeOptimizer: true });
    expect(all.skipped).toEqual([]);
    expect(all.size).toBe(all.blob.size);
    const inner = unzipSync(new Uint8Array(await all.blob.arrayBuffer()));
    expect(Object.keys(inner).sort()).toEqual([...all.files].sort());
    expect(all.files).toHaveLength(3);
    for (const [name, file] of Object.entries(inner)) expect((await importRunFile(store, file, name)).step, name).toBe(2);
  }, 300_000);
});
