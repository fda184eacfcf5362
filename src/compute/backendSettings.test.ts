import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openIdbStore } from '../storage/keyValueStore';
import { migrateStore } from '../storage/migrateStore';
import { v0Entries, v0Value } from '../storage/fixtures/v0Fixture';
import { DEFAULT_SETTINGS, loadSettings, updateSettings } from './backendSettings';

describe('backend settings', () => {
  it('reads the settings of a version-0 database, before and after the migration, and keeps them through an update', async () => {
    const store = openIdbStore('backend-settings-test');
    await store.setMany(v0Entries());
    expect(await loadSettings(store)).toStrictEqual(v0Value('settings'));
    await migrateStore(store);
    expect(await loadSettings(store)).toStrictEqual(v0Value('settings'));
    const saved = v0Value('settings') as typeof DEFAULT_SETTINGS;
    expect(await updateSettings(store, { backend: 'wasm' })).toStrictEqual({ ...saved, backend: 'wasm' });
    expect(await loadSettings(store)).toStrictEqual({ ...saved, backend: 'wasm' });
  });
});
