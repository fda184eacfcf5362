import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileStore } from './fileStore';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('FileStore', () => {
  it('keeps structured values, typed arrays included, across instances (a later process)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'store-'));
    const first = new FileStore(dir);
    const record = { id: 'cli', step: 12, history: [{ step: 1, values: { loss: 0.5 } }], best: null, classNames: ['normal', 'bleed'] };
    await first.setMany([
      ['run/cli', record],
      ['run/cli/ckpt/12', Uint8Array.of(1, 2, 3)],
      ['run/cli/sample/12', { pixels: Uint8Array.of(9), labels: Int32Array.of(0, 1) }],
      ['dataset/data', { count: 2 }],
    ]);
    const again = new FileStore(dir);
    expect(await again.get('run/cli')).toEqual(record);
    expect(await again.get('run/cli/ckpt/12')).toEqual(Uint8Array.of(1, 2, 3));
    expect(await again.get('run/cli/sample/12')).toEqual({ pixels: Uint8Array.of(9), labels: Int32Array.of(0, 1) });
    expect(await again.get('nothing')).toBeUndefined();
    expect(await again.keys()).toEqual(['dataset/data', 'run/cli', 'run/cli/ckpt/12', 'run/cli/sample/12']);
    expect(await again.keysWithPrefix('run/cli/')).toEqual(['run/cli/ckpt/12', 'run/cli/sample/12']);
    await again.delMany(['run/cli/ckpt/12', 'never/there']);
    expect(await again.getMany(['run/cli/ckpt/12', 'dataset/data'])).toEqual([undefined, { count: 2 }]);
    // Values are renamed into place: no temporary file is left behind.
    expect(readdirSync(dir).some((name) => name.startsWith('.tmp-'))).toBe(false);
    await again.clear();
    expect(await again.keys()).toEqual([]);
  });
});
