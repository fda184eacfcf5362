import { describe, expect, it } from 'vitest';
import { openMemoryStore } from '../storage/memoryStore';
import { answerChoice, resume, snapshot } from './readerSession';
import { createReaderTakes } from './readerTakes';
import { designStudy, type ImagePool, type StudyConfig } from './studyDesign';
import { encodeStudyFile, parseAnswersFile, studyFileOf } from './studyFile';

function pool(name: string, n: number, base: number): ImagePool {
  return {
    datasetId: `ds-${name}`,
    datasetName: name,
    width: 4,
    height: 4,
    classNames: ['a'],
    images: Array.from({ length: n }, (_, i) => ({ pixels: Uint8Array.from({ length: 16 }, (_, p) => (base + i * 3 + p) % 256), classIndex: 0 })),
  };
}

const config: StudyConfig = {
  title: 'Knee phantoms',
  imageCount: 4,
  syntheticFraction: 0.5,
  balancePerClass: false,
  seed: 7,
  question: { twoChoice: true, confidence: false },
  timeLimitSeconds: null,
  trainingCount: 0,
};

const designed = designStudy(config, pool('real', 10, 0), pool('synth', 10, 50), 'study-knee');
const fileBytes = encodeStudyFile(studyFileOf(designed));

describe('reader takes', () => {
  it('imports a study file, keeps progress across "reloads" and writes an answers file the organiser accepts', async () => {
    const store = openMemoryStore();
    const takes = createReaderTakes(store);
    const take = await takes.importStudyFile(fileBytes, 'knee.phantomstudy', { name: '  Dr Ada ', experience: 'radiologist' });
    expect(take).toMatchObject({ title: 'Knee phantoms', imageCount: 4, answered: 0, finished: false, reader: { name: 'Dr Ada' } });
    // Nothing of the key travels with the take.
    expect(JSON.stringify(await store.get(`readerTake/${take.id}/study`))).not.toMatch(/real|synth|ds-/);

    let state = (await takes.open(take.id)).take.state;
    state = resume(state, 0);
    state = answerChoice(state, true, 1000);
    state = answerChoice(state, false, 1500);
    await takes.saveState(take.id, snapshot(state, 1500));
    await expect(takes.answersFile(take.id)).rejects.toThrow(/not finished yet: 2 of 4/);

    // A new API over the same store: as after a reload.
    const again = createReaderTakes(store);
    expect((await again.list()).map((t) => [t.id, t.answered])).toEqual([[take.id, 2]]);
    let reopened = (await again.open(take.id)).take.state;
    expect(reopened.paused).toBe(true);
    reopened = resume(reopened, 50_000);
    reopened = answerChoice(reopened, true, 50_200);
    reopened = answerChoice(reopened, true, 50_300);
    const saved = await again.saveState(take.id, snapshot(reopened, 50_300));
    expect(saved.finished).toBe(true);

    const out = await again.answersFile(take.id);
    expect(out.fileName).toBe('answers-Knee_phantoms-Dr_Ada.json');
    const parsed = await parseAnswersFile(out.bytes, out.fileName, {
      studyId: designed.studyId,
      title: designed.config.title,
      itemIds: designed.items.map((i) => i.id),
      question: designed.config.question,
      readerNames: [],
    });
    expect(parsed.reader).toEqual({ name: 'Dr Ada', experience: 'radiologist' });
    expect(parsed.answers.map((a) => [a.saidSynthetic, a.ms])).toEqual([[true, 1000], [false, 500], [true, 200], [true, 100]]);
  });

  it('refuses a file that is not a study file, naming it, and a missing name; stores nothing then', async () => {
    const store = openMemoryStore();
    const takes = createReaderTakes(store);
    await expect(takes.importStudyFile(new TextEncoder().encode('{"format":"other"}'), 'notes.json', { name: 'A', experience: '' })).rejects.toThrow(
      /^notes\.json: is not a reader study file/,
    );
    await expect(takes.importStudyFile(fileBytes.slice(0, 200), 'cut.phantomstudy', { name: 'A', experience: '' })).rejects.toThrow(/^cut\.phantomstudy: /);
    await expect(takes.importStudyFile(fileBytes, 'knee.phantomstudy', { name: '  ', experience: '' })).rejects.toThrow(/Enter your name/);
    expect(await store.keys()).toEqual([]);
  });

  it('sends a reader who imports the same study again back to their session, and deletes a take with its study', async () => {
    const store = openMemoryStore();
    const takes = createReaderTakes(store);
    const t = await takes.importStudyFile(fileBytes, 'knee.phantomstudy', { name: 'Ada', experience: '' });
    await expect(takes.importStudyFile(fileBytes, 'knee.phantomstudy', { name: 'ada', experience: '' })).rejects.toThrow(/already started .* resume/);
    await takes.importStudyFile(fileBytes, 'knee.phantomstudy', { name: 'Bob', experience: '' });
    await takes.delete(t.id);
    expect((await takes.list()).map((x) => x.reader.name)).toEqual(['Bob']);
    expect((await store.keys()).filter((k) => k.includes(t.id))).toEqual([]);
  });
});
