/** A store holding one small phantom dataset `ds` (16 head-CT images at 32 px), for tests that train runs on it. */
import 'fake-indexeddb/auto';
import { generatePhantoms } from '../data/phantom';
import { openIdbStore, type KeyValueStore } from '../storage/keyValueStore';
import { saveDataset } from '../storage/datasetStore';

export async function phantomRunStore(name: string): Promise<KeyValueStore> {
  const store = openIdbStore(`${name}-${Math.random()}`);
  const set = generatePhantoms({ modality: 'head-ct', size: 32, count: 16, seed: 3 });
  await saveDataset(
    store,
    { id: 'ds', name: 'phantoms', source: 'phantom', description: '', width: 32, height: 32, channels: 1, count: 16, classNames: ['normal', 'haemorrhage'], chunkSize: 16, createdAt: 0 },
    { labels: set.labels, splits: new Uint8Array(16) },
    [{ pixels: set.images }],
  );
  return store;
}
