import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openIdbStore, type KeyValueStore } from '../storage/keyValueStore';
import { migrateStore } from '../storage/migrateStore';
import { saveDataset, type DatasetProvenance } from '../storage/datasetStore';
import { createReaderStudyApi } from './readerStudyApi';
import { answersFileOf, encodeAnswersFile, fromBase64 } from './studyFile';
import { getStudy } from './studyStore';
import type { CreateStudyRequest, ReaderAnswer } from './studyTypes';

const provenance = { synthetic: true, runId: 'run-1', runName: 'dcgan', modelKind: 'dcgan', checkpoint: 'latest', step: 10, seed: 1, generatedPerClass: [20, 20], realDatasetId: 'real', auditTime: 0 } as DatasetProvenance;

/**
 * A 4×4 set of `count` images; image i is filled with one grey level, real ones even levels 0..,
 * synthetic ones 200 + i, so a test can tell the kind from the pixels alone. Every third image is held out (test).
 */
async function dataset(store: KeyValueStore, id: string, opts: { synthetic?: boolean; size?: number; channels?: 1 | 3; count?: number } = {}) {
  const size = opts.size ?? 4;
  const channels = opts.channels ?? 1;
  const count = opts.count ?? 60;
  const per = size * size * channels;
  const pixels = new Uint8Array(count * per);
  for (let i = 0; i < count; i++) pixels.fill(opts.synthetic ? 200 + (i % 50) : i % 100, i * per, (i + 1) * per);
  await saveDataset(
    store,
    { id, name: id, source: 'phantom', description: '', width: size, height: size, channels, count, classNames: ['normal', 'lesion'], chunkSize: count, createdAt: 0, ...(opts.synthetic ? { provenance } : {}) },
    { labels: Uint8Array.from({ length: count }, (_, i) => i % 2), splits: Uint8Array.from({ length: count }, (_, i) => (i % 3 === 2 ? 2 : 0)) },
    [{ pixels }],
  );
}

const request = (over: Partial<CreateStudyRequest> = {}): CreateStudyRequest => ({
  realDatasetId: 'real',
  syntheticDatasetId: 'synth',
  title: 'Head CT',
  imageCount: 10,
  syntheticFraction: 0.5,
  balancePerClass: true,
  seed: 7,
  question: { twoChoice: true, confidence: true },
  timeLimitSeconds: null,
  trainingCount: 2,
  ...over,
});

async function setUp() {
  const store = openIdbStore(`study-api-${Math.random()}`);
  await dataset(store, 'real');
  await dataset(store, 'synth', { synthetic: true });
  return { store, api: createReaderStudyApi(store) };
}

/** The truth from the pixels (real images hold levels below 200): what a perfect reader would say. */
function truthOf(pixelsBase64: string): boolean {
  return fromBase64(pixelsBase64)[0] >= 200;
}

describe('reader study API', () => {
  it('creates a study from the held-out split and a synthetic set, stores it, and hands readers a file without any key', async () => {
    const { store, api } = await setUp();
    const s = await api.create(request());
    expect(s).toMatchObject({ title: 'Head CT', testCount: 10, trainingCount: 2, realCount: 5, syntheticCount: 5, runId: 'run-1', readers: [] });
    expect(await api.list()).toEqual([s]);
    const file = await api.studyFile(s.id);
    expect(file.items).toHaveLength(10);
    expect(file.training.map((t) => t.feedback === 'S')).toEqual(file.training.map((t) => truthOf(t.pixels)));
    // Real images only from the test split (levels 2, 5, 8, ... : i % 3 === 2).
    for (const it of file.items) {
      const level = fromBase64(it.pixels)[0];
      if (level < 200) expect(level % 3).toBe(2);
      expect(Object.keys(it)).toEqual(['id', 'pixels']);
    }
    const download = await api.exportStudyFile(s.id);
    expect(download.fileName).toBe('head-ct.study.json');
    const text = new TextDecoder().decode(download.bytes);
    for (const word of ['synthetic"', 'real"', 'synth', 'classIndex', 'lesion', 'run-1', 'key']) expect(text).not.toContain(word);
    // The study's images are stored once: the record and one images blob (no readers yet).
    expect((await store.keysWithPrefix('study/')).map((k) => k.replace(s.id, 'ID'))).toEqual(['study/ID', 'study/ID/images']);
    // The new keys are known to the schema: a migration run finds nothing unreadable.
    expect((await migrateStore(store)).unreadable).toEqual([]);
  });

  it('refuses pairs that cannot be blinded, naming the dataset at fault', async () => {
    const { store, api } = await setUp();
    await dataset(store, 'small-synth', { synthetic: true, size: 2 });
    await dataset(store, 'colour', { channels: 3 });
    await expect(api.create(request({ syntheticDatasetId: 'small-synth' }))).rejects.toThrow('“real” holds 4×4 images and “small-synth” 2×2');
    await expect(api.create(request({ syntheticDatasetId: 'real' }))).rejects.toThrow('“real” carries no synthetic provenance');
    await expect(api.create(request({ realDatasetId: 'synth' }))).rejects.toThrow('“synth” is a synthetic set');
    await expect(api.create(request({ realDatasetId: 'colour' }))).rejects.toThrow('“colour” has colour images');
    await expect(api.create(request({ imageCount: 100 }))).rejects.toThrow(/holds 20 usable images/);
    expect(await api.list()).toEqual([]);
  });

  it('two readers — one here (paused and resumed), one by answers file — scored against the key', async () => {
    const { api } = await setUp();
    const s = await api.create(request());
    const file = await api.studyFile(s.id);
    // Ann answers perfectly, in two sittings.
    const perfect: ReaderAnswer[] = file.items.map((it) => ({ id: it.id, saidSynthetic: truthOf(it.pixels), confidenceReal: truthOf(it.pixels) ? 1 : 5, ms: 900 }));
    const ann = await api.startReader(s.id, { name: 'Ann', experience: 'radiologist' });
    expect(ann).toMatchObject({ answered: 0, total: 10, trainingDone: false, answers: [] });
    await api.saveAnswers(s.id, 'Ann', perfect.slice(0, 4), true);
    const resumed = await api.startReader(s.id, { name: ' ann ', experience: '' });
    expect(resumed).toMatchObject({ name: 'Ann', experience: 'radiologist', answered: 4, trainingDone: true, complete: false });
    expect(resumed.answers).toEqual(perfect.slice(0, 4));
    expect(await api.saveAnswers(s.id, 'Ann', perfect, true)).toMatchObject({ answered: 10, complete: true });

    // Bob, elsewhere, says "real" to everything with confidence 3: right on the 5 real images only.
    const bobAnswers = file.items.map((it) => ({ id: it.id, saidSynthetic: false, confidenceReal: 3, ms: 400 }));
    const bytes = encodeAnswersFile(await answersFileOf(s.id, { name: 'Bob', experience: 'student' }, bobAnswers));
    expect(await api.importAnswers(s.id, bytes, 'bob.json')).toMatchObject({ name: 'Bob', source: 'file', complete: true });
    await expect(api.importAnswers(s.id, bytes, 'bob.json')).rejects.toThrow('bob.json: holds answers by “Bob”, who already has answers');
    const edited = new TextDecoder().decode(bytes).replace('"saidSynthetic": false', '"saidSynthetic": true');
    await expect(api.importAnswers(s.id, new TextEncoder().encode(edited.replace('Bob', 'Rob')), 'rob.json')).rejects.toThrow(/rob\.json: .*checksum/);
    await expect(api.startReader(s.id, { name: 'BOB', experience: '' })).rejects.toThrow(/imported from a file/);

    const view = await api.results(s.id);
    const [a, b] = view.results.readers;
    expect([a.name, a.summary.accuracy, a.summary.sensitivity, a.summary.specificity, a.summary.auc]).toEqual(['Ann', 1, 1, 1, 1]);
    expect([b.name, b.summary.correct, b.summary.sensitivity, b.summary.specificity, b.summary.auc]).toEqual(['Bob', 5, 0, 1, 0.5]);
    // Two-sided exact binomial: 10/10 → 2 × 0.5^10; 5/10 → 1.
    expect(a.summary.pValue).toBeCloseTo(2 / 1024, 12);
    expect(b.summary.pValue).toBeCloseTo(1, 12);
    expect(view.results.pooled).toMatchObject({ n: 20, correct: 15 });
    expect(view.results.agreement).toMatchObject({ method: 'cohen', images: 10 });
    // Bob took all 5 synthetic images for real; no real image was taken for synthetic.
    expect(view.syntheticTakenForReal).toHaveLength(5);
    expect(view.syntheticTakenForReal.every((g) => g.count === 1 && g.pixels[0] >= 200 && g.pixels.length === 16)).toBe(true);
    expect(view.realTakenForSynthetic).toEqual([]);
    expect(view.results.byExperience.map((e) => [e.experience, e.summary.correct])).toEqual([['radiologist', 10], ['student', 5]]);

    const csv = new TextDecoder().decode((await api.exportCsv(s.id)).bytes).trim().split('\n');
    expect(csv).toHaveLength(1 + 20);
    expect(csv.filter((row) => row.startsWith('Bob,') && row.includes(',synthetic,real,3,false,'))).toHaveLength(5);
    const json = JSON.parse(new TextDecoder().decode((await api.exportJson(s.id)).bytes)) as { study: string; pooled: { correct: number } };
    expect([json.study, json.pooled.correct]).toEqual(['Head CT', 15]);
  });

  it('refuses answers to images not in the study, and to training images', async () => {
    const { store, api } = await setUp();
    const s = await api.create(request());
    const stored = await getStudy(store, s.id);
    await api.startReader(s.id, { name: 'Cy', experience: '' });
    const one = (id: string): ReaderAnswer => ({ id, saidSynthetic: true, confidenceReal: null, ms: 1 });
    await expect(api.saveAnswers(s.id, 'Cy', [one('nope')], false)).rejects.toThrow('Image nope is not a test image of “Head CT”.');
    await expect(api.saveAnswers(s.id, 'Cy', [one(stored.trainingIds[0])], false)).rejects.toThrow(/is not a test image/);
    await expect(api.saveAnswers(s.id, 'Cy', [one(stored.itemIds[0]), one(stored.itemIds[0])], false)).rejects.toThrow(/answered twice/);
    await expect(api.saveAnswers(s.id, 'Nobody', [], false)).rejects.toThrow('There is no reader “Nobody”');
  });

  it('deletes a study with its images and readers, and nothing else', async () => {
    const { store, api } = await setUp();
    const keep = await api.create(request({ title: 'keep' }));
    const s = await api.create(request({ title: 'gone' }));
    await api.startReader(s.id, { name: 'Dee', experience: '' });
    await api.startReader(keep.id, { name: 'Dee', experience: '' });
    await api.deleteReader(keep.id, 'dee');
    expect((await api.get(keep.id)).readers).toEqual([]);
    await api.delete(s.id);
    expect((await store.keysWithPrefix('study/')).filter((k) => k.includes(s.id))).toEqual([]);
    expect((await api.list()).map((x) => x.title)).toEqual(['keep']);
    await expect(api.get(s.id)).rejects.toThrow(/does not exist/);
  });
});
