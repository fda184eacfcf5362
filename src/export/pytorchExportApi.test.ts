/** The model library's PyTorch project: the ZIP holds the Python sources as shipped, the run file, the card, the README and, on request, the data. */
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpz } from '../importers/npy';
import { phantomRunStore } from '../testing/phantomRunStore';
import { useWasmBackend } from '../testing/wasmBackend';
import { deleteDataset } from '../storage/datasetStore';
import { Trainer, type TrainerHooks } from '../training/trainer';
import { createPytorchExportApi } from './pytorchExportApi';

const hooks: TrainerHooks = { emit: () => undefined, replaceBackend: async () => tf.getBackend(), backendName: () => tf.getBackend() };

beforeAll(async () => {
  await useWasmBackend();
});

describe('PyTorch project export', () => {
  it('zips the sources, the run file, the card and README, with the data only when asked and available', async () => {
    const store = await phantomRunStore('pytorch-export');
    const trainer = await Trainer.create(
      store,
      'run-a',
      { name: 'Head CT / DCGAN', datasetId: 'ds', model: { kind: 'dcgan', width: 4, latentDim: 8, batchSize: 4, seed: 2 }, totalSteps: 2, readbackEvery: 2, sampleEvery: 100, checkpointEvery: 100, keepCheckpoints: 2, samplesPerClass: 2, seed: 3 },
      hooks,
    );
    await trainer.run();
    trainer.dispose();
    const api = createPytorchExportApi(store);

    const withData = await api.project('run-a', { includeData: true });
    expect(withData).toMatchObject({ fileName: 'Head-CT-DCGAN-step2-pytorch.zip', dataIncluded: true, dataNote: null });
    const files = unzipSync(withData.bytes);
    const names = Object.keys(files).map((n) => n.replace('Head-CT-DCGAN-step2-pytorch/', ''));
    expect(names.sort()).toEqual(['Head-CT-DCGAN.phantomrun', 'README.md', 'data.npz', 'phantom_models.py', 'runcard.json', 'train.py']);
    const at = (name: string) => files[`Head-CT-DCGAN-step2-pytorch/${name}`]!;
    expect(strFromU8(at('phantom_models.py'))).toBe(readFileSync(resolve(import.meta.dirname, '../../python/phantom_models.py'), 'utf8'));
    expect(strFromU8(at('train.py'))).toBe(readFileSync(resolve(import.meta.dirname, '../../python/train.py'), 'utf8'));
    expect(JSON.parse(strFromU8(at('runcard.json')))).toMatchObject({ model: { kind: 'dcgan' }, checkpoint: { step: 2, hasOptimizer: true } });
    const readme = strFromU8(at('README.md'));
    expect(readme).toContain('python train.py --run Head-CT-DCGAN.phantomrun --data data.npz --steps 2002 --out checkpoints');
    expect(readme).toContain('torchrun --nnodes 1 --rdzv_backend c10d --rdzv_endpoint localhost:0 --nproc_per_node N train.py --run Head-CT-DCGAN.phantomrun --data data.npz');
    const npz = readNpz(at('data.npz'));
    expect(npz.get('train_images')!.shape).toEqual([16, 32, 32]);

    const withoutData = await api.project('run-a', { includeData: false });
    expect(withoutData.dataIncluded).toBe(false);
    expect(Object.keys(unzipSync(withoutData.bytes)).some((n) => n.endsWith('data.npz'))).toBe(false);
    expect(strFromU8(unzipSync(withoutData.bytes)['Head-CT-DCGAN-step2-pytorch/README.md']!)).toContain('--data YOUR_DATA.npz');

    await deleteDataset(store, 'ds');
    const gone = await api.project('run-a', { includeData: true });
    expect(gone.dataIncluded).toBe(false);
    expect(gone.dataNote).toMatch(/could not be included/);
  }, 300_000);
});
