import { beforeAll, describe, expect, it } from 'vitest';
import { StorageFullError, type KeyValueStore, type StoredValue } from '../../storage/keyValueStore';
import { cachedInceptionFile, deleteCachedInceptionWeights, loadCachedInceptionWeights, saveInceptionWeightsFile } from './cache';
import { randomFidInceptionStateDict, writeTorchZip, type TensorToSave } from './testing/torchSave';
import { FID_WEIGHTS_FILE_NAME, FID_WEIGHTS_URL, loadInceptionWeights, sha256Hex, type InceptionWeights } from './weights';

let entries: [string, TensorToSave][];
let file: Uint8Array;
let prefix: string;
let weights: InceptionWeights;

beforeAll(async () => {
  entries = randomFidInceptionStateDict(5);
  file = writeTorchZip(entries, 'random-inception');
  prefix = (await sha256Hex(file)).slice(0, 8);
  weights = await loadInceptionWeights(file, { expectSha256Prefix: prefix, fileName: 'random.pth' });
});

const raw = (name: string) => entries.find(([n]) => n === name)![1].storage.values as Float32Array;

/** A KeyValueStore in memory that keeps structured-clone semantics close enough for these tests. */
function memoryStore(options: { failAfterWrites?: number } = {}): KeyValueStore & { data: Map<string, StoredValue> } {
  const data = new Map<string, StoredValue>();
  let writes = 0;
  return {
    data,
    get: async <T>(key: string) => data.get(key) as T | undefined,
    getMany: async <T>(keys: string[]) => keys.map((k) => data.get(k) as T | undefined),
    setMany: async (list) => {
      if (options.failAfterWrites !== undefined && writes++ >= options.failAfterWrites) throw new DOMException('full', 'QuotaExceededError');
      for (const [k, v] of list) data.set(k, v instanceof Uint8Array ? v.slice() : structuredClone(v));
    },
    delMany: async (keys) => keys.forEach((k) => data.delete(k)),
    keys: async () => [...data.keys()],
    keysWithPrefix: async (prefix) => [...data.keys()].filter((k) => k.startsWith(prefix)).sort(),
    clear: async () => data.clear(),
  };
}

describe('loadInceptionWeights', () => {
  it('folds each BatchNorm (eps 0.001) into its convolution, OIHW → HWIO', () => {
    expect(weights.sha256).toMatch(new RegExp(`^${prefix}[0-9a-f]{56}$`));
    expect(Object.keys(weights.convs)).toHaveLength(94);
    const name = 'Mixed_6b.branch7x7_2'; // 128 → 128, kernel 1×7
    const w = raw(`${name}.conv.weight`);
    const [gamma, beta, mean, variance] = ['weight', 'bias', 'running_mean', 'running_var'].map((p) => raw(`${name}.bn.${p}`));
    const folded = weights.convs[name];
    expect(folded.filter.length).toBe(7 * 128 * 128);
    for (const [o, i, kx] of [[0, 0, 0], [5, 77, 3], [127, 127, 6], [64, 3, 1]]) {
      const scale = gamma[o] / Math.sqrt(variance[o] + 0.001);
      // PyTorch index [o][i][0][kx]; tfjs HWIO index [0][kx][i][o]
      expect(folded.filter[(kx * 128 + i) * 128 + o]).toBeCloseTo(w[(o * 128 + i) * 7 + kx] * scale, 6);
      expect(folded.bias[o]).toBeCloseTo(beta[o] - mean[o] * scale, 6);
    }
  });

  it('rejects a file whose SHA-256 is not the FID weights, naming the file and where to get the right one', async () => {
    const error = await loadInceptionWeights(file, { fileName: 'my-weights.pth' }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('my-weights.pth: SHA-256 is ');
    expect((error as Error).message).toContain('does not start with 6726825d');
    expect((error as Error).message).toContain(FID_WEIGHTS_FILE_NAME);
    expect((error as Error).message).toContain(FID_WEIGHTS_URL);
    await expect(loadInceptionWeights(file, { expectSha256Prefix: 'xyz' })).rejects.toThrow('is not 8 to 64 hex digits');
  });

  it('names the file when it is not a checkpoint at all', async () => {
    const text = new TextEncoder().encode('not weights');
    const textPrefix = (await sha256Hex(text)).slice(0, 8);
    await expect(loadInceptionWeights(text, { expectSha256Prefix: textPrefix, fileName: 'notes.txt' })).rejects.toThrow(/^notes\.txt: is not a PyTorch checkpoint/);
  });

  it('lists missing, misshapen and unexpected tensors like load_state_dict(strict=True)', async () => {
    const damaged = entries
      .filter(([name]) => name !== 'Mixed_5b.branch1x1.bn.running_var')
      .map(([name, t]): [string, TensorToSave] => (name === 'fc.bias' ? [name, { ...t, shape: [1000], stride: [1] }] : [name, t]));
    damaged.push(['AuxLogits.fc.weight', damaged[0][1]]);
    const bytes = writeTorchZip(damaged);
    const p = (await sha256Hex(bytes)).slice(0, 8);
    await expect(loadInceptionWeights(bytes, { expectSha256Prefix: p, fileName: 'torchvision.pth' })).rejects.toThrow(
      'torchvision.pth: is not a pytorch-fid FID Inception state_dict: missing Mixed_5b.branch1x1.bn.running_var; fc.bias has shape [1000], expected [1008]; unexpected AuxLogits.fc.weight',
    );
  });
});

describe('weights cache (KeyValueStore)', () => {
  it('stores the file in chunks under inception/, and loads the same weights back', async () => {
    const store = memoryStore();
    await store.setMany([['dataset/x', 1]]);
    const record = await saveInceptionWeightsFile(store, file, 'random.pth', 8 * 1024 * 1024);
    expect(record.chunkCount).toBe(Math.ceil(file.length / (8 * 1024 * 1024)));
    const keys = [...store.data.keys()].filter((k) => k !== 'dataset/x');
    expect(keys.every((k) => k.startsWith('inception/'))).toBe(true);
    expect(keys).toHaveLength(record.chunkCount + 1);
    for (const value of store.data.values()) if (value instanceof Uint8Array) expect(value.byteLength).toBeLessThanOrEqual(8 * 1024 * 1024);
    const loaded = await loadCachedInceptionWeights(store, { expectSha256Prefix: prefix });
    expect(loaded!.sha256).toBe(weights.sha256);
    expect(loaded!.convs['Mixed_7c.branch_pool'].filter).toEqual(weights.convs['Mixed_7c.branch_pool'].filter);

    const chunk = store.data.get('inception/file/chunk/3') as Uint8Array;
    chunk[100] ^= 1;
    await expect(loadCachedInceptionWeights(store, { expectSha256Prefix: prefix })).rejects.toThrow('stored Inception weights (random.pth) are damaged');

    await deleteCachedInceptionWeights(store);
    expect([...store.data.keys()]).toEqual(['dataset/x']);
    expect(await loadCachedInceptionWeights(store)).toBeUndefined();
  });

  it('leaves nothing behind when storage runs out midway', async () => {
    const store = memoryStore({ failAfterWrites: 4 });
    await expect(saveInceptionWeightsFile(store, file, 'random.pth', 8 * 1024 * 1024)).rejects.toBeInstanceOf(StorageFullError);
    expect(store.data.size).toBe(0);
    expect(await cachedInceptionFile(store)).toBeUndefined();
  });
});

