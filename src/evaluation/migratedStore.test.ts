/**
 * A database written before storage records were versioned, migrated, then read and deleted
 * through every domain store: runs (checkpoints, sample grids, export audits), evaluations,
 * reconstructions, augment reports and the stored Inception file. The storage-level checks (bit
 * for bit, idempotence, unreadable records kept) are in src/storage/migrateStore.test.ts.
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { openIdbStore, type KeyValueStore } from '../storage/keyValueStore';
import { migrateStore } from '../storage/migrateStore';
import { readImages, getDatasetMeta } from '../storage/datasetStore';
import { V0_IDS, v0Entries, v0Value } from '../storage/fixtures/v0Fixture';
import { deleteRun, listRuns, loadLatestGoodCheckpoint, loadRun, readSamples } from '../training/runStore';
import type { RunRecord } from '../training/runTypes';
import { listExportAudits } from '../generation/exportAuditStore';
import { listAugmentReports } from '../augment/augmentReportStore';
import { cachedInceptionFile, deleteCachedInceptionWeights, readCachedInceptionFile } from '../metrics/inception/cache';
import { deleteEvaluation, listEvaluations, readPairImages } from './evaluationStore';
import { deleteReconstruction, listReconstructions, readReconstructionExamples } from './reconstructionStore';
import type { EvaluationRecord } from './evaluationTypes';

let store: KeyValueStore;
let databases = 0;
beforeEach(async () => {
  store = openIdbStore(`migrated-store-test-${++databases}`);
  await store.setMany(v0Entries());
  expect((await migrateStore(store)).unreadable).toEqual([]);
});

describe('a version-0 database after migrateStore, through the domain stores', () => {
  it('runs: the record, its newest good checkpoint, its sample grids and its export audit', async () => {
    const run = v0Value(`run/${V0_IDS.run}`) as RunRecord;
    expect(await listRuns(store)).toStrictEqual([run]);
    expect(await loadRun(store, run.id)).toStrictEqual(run);
    const skipped: string[] = [];
    const restored = await loadLatestGoodCheckpoint(store, run, (ref, reason) => skipped.push(`${ref.key}: ${reason}`));
    expect(skipped).toEqual([]);
    expect(restored!.ref.step).toBe(200);
    expect(restored!.state.tensors[0].data).toEqual(Float32Array.of(200, 1, 2, 3, 4, -0.5));
    expect(run.samples).toHaveLength(2);
    for (const ref of run.samples) expect(await readSamples(store, ref)).toStrictEqual(v0Value(ref.key));
    const audits = v0Entries().filter(([key]) => key.startsWith(`run/${run.id}/audit/`));
    expect(await listExportAudits(store, run.id)).toStrictEqual(audits.map(([, audit]) => audit));

    await deleteRun(store, run.id);
    expect((await store.keys()).filter((key) => key.startsWith('run/'))).toEqual([]);
  });

  it('evaluations, with the synthetic images of their flagged pairs', async () => {
    const evaluation = v0Value(`evaluation/${V0_IDS.evaluation}`) as EvaluationRecord;
    expect(await listEvaluations(store)).toStrictEqual([evaluation]);
    const pairs = await readPairImages(store, evaluation.id, [{ synthetic: 1, train: 2 }]);
    const fake = v0Value(evaluation.fakeKey) as Uint8Array;
    expect(pairs.synthetic).toEqual(fake.subarray(64, 128));
    expect(pairs.train).toEqual(await readImages(store, await getDatasetMeta(store, V0_IDS.phantomDataset), 2, 1));

    await deleteEvaluation(store, evaluation.id);
    expect((await store.keys()).filter((key) => key.startsWith('evaluation/'))).toEqual([]);
  });

  it('reconstructions with their examples, and augment reports', async () => {
    expect(await listReconstructions(store)).toStrictEqual([v0Value(`reconstruction/${V0_IDS.reconstruction}`)]);
    expect(await readReconstructionExamples(store, V0_IDS.reconstruction)).toStrictEqual(v0Value(`reconstruction/${V0_IDS.reconstruction}/examples`));
    expect(await listAugmentReports(store)).toStrictEqual([v0Value(`augment/${V0_IDS.augmentReport}`)]);

    await deleteReconstruction(store, V0_IDS.reconstruction);
    expect((await store.keys()).filter((key) => key.startsWith('reconstruction/'))).toEqual([]);
  });

  it('the stored Inception file, its SHA-256 still matching', async () => {
    expect(await cachedInceptionFile(store)).toStrictEqual(v0Value('inception/file'));
    const cached = await readCachedInceptionFile(store);
    expect(cached!.bytes).toHaveLength(40);

    await deleteCachedInceptionWeights(store);
    expect((await store.keys()).filter((key) => key.startsWith('inception/'))).toEqual([]);
  });
});
