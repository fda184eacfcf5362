import { describe, expect, it } from 'vitest';
import { designStudy, StudyDesignError, type ImagePool, type StudyConfig } from './studyDesign';
import { answersFileOf, encodeAnswersFile, encodeStudyFile, parseAnswersFile, parseStudyFile, studyFileOf } from './studyFile';

function pool(name: string, n: number, classes: number, base: number, size = 8): ImagePool {
  return {
    datasetId: `ds-${name}`,
    datasetName: name,
    width: size,
    height: size,
    classNames: Array.from({ length: classes }, (_, c) => `class${c}`),
    images: Array.from({ length: n }, (_, i) => ({
      pixels: Uint8Array.from({ length: size * size }, (_, p) => (base + i * 7 + p) % 256),
      classIndex: i % classes,
    })),
  };
}

const config: StudyConfig = {
  title: 'Chest phantoms',
  imageCount: 20,
  syntheticFraction: 0.5,
  balancePerClass: true,
  seed: 42,
  question: { twoChoice: true, confidence: true },
  timeLimitSeconds: null,
  trainingCount: 0,
};

const real = pool('RealTestSplitName', 40, 2, 0);
const synth = pool('SyntheticSetName', 40, 2, 100);

describe('study design', () => {
  it('draws the asked numbers, balanced per class, and the same seed gives the same study', () => {
    const a = designStudy(config, real, synth, 'study-1');
    const b = designStudy(config, real, synth, 'study-1');
    expect(a.items.map((i) => i.id)).toEqual(b.items.map((i) => i.id));
    const keys = Object.values(a.key);
    expect(keys.filter((k) => k.synthetic)).toHaveLength(10);
    for (const s of [true, false]) for (const c of [0, 1]) expect(keys.filter((k) => k.synthetic === s && k.classIndex === c)).toHaveLength(5);
    const c = designStudy({ ...config, seed: 43 }, real, synth, 'study-1');
    expect(c.items.map((i) => i.id)).not.toEqual(a.items.map((i) => i.id));
  });
  it('interleaves the kinds (seeded shuffle, not all real first)', () => {
    const a = designStudy(config, real, synth, 'study-1');
    const kinds = a.items.map((i) => (a.key[i.id].synthetic ? 'S' : 'R')).join('');
    expect(kinds).not.toBe('RRRRRRRRRRSSSSSSSSSS');
    expect(kinds).not.toBe('SSSSSSSSSSRRRRRRRRRR');
  });
  it('keeps training images out of the test set', () => {
    const a = designStudy({ ...config, trainingCount: 4 }, real, synth, 's');
    expect(a.training).toHaveLength(4);
    const testPixels = new Set(a.items.map((i) => i.pixels.join(',')));
    for (const t of a.training) expect(testPixels.has(t.pixels.join(','))).toBe(false);
  });
  it('refuses pools of different sizes and too few images with clear reasons', () => {
    expect(() => designStudy(config, real, pool('Small', 40, 2, 0, 4), 's')).toThrow(/8×8 .* 4×4/);
    expect(() => designStudy({ ...config, imageCount: 100 }, real, synth, 's')).toThrow(StudyDesignError);
    expect(() => designStudy({ ...config, question: { twoChoice: false, confidence: false } }, real, synth, 's')).toThrow(/at least one question/);
  });
});

describe('study file blinding', () => {
  const study = designStudy(config, real, synth, 'study-blind');
  const bytes = encodeStudyFile(studyFileOf(study));
  const text = new TextDecoder().decode(bytes);

  it('holds no key, no source name, no class name and no kind word', () => {
    for (const word of ['RealTestSplitName', 'SyntheticSetName', 'ds-', 'class0', 'synthetic', 'real"', 'key', 'sourceIndex', 'classIndex']) {
      expect(text.toLowerCase().includes(word.toLowerCase()), word).toBe(false);
    }
    // Nor the key as a bit pattern in the order of the items.
    const bits = study.items.map((i) => (study.key[i.id].synthetic ? '1' : '0')).join('');
    expect(text.includes(bits)).toBe(false);
  });
  it('encodes both kinds identically: same fields, same byte length, same ids shape', () => {
    const file = JSON.parse(text) as { items: { id: string; pixels: string }[] };
    const shapes = new Set(file.items.map((it) => JSON.stringify(Object.keys(it)) + JSON.stringify(it).length));
    expect(shapes.size).toBe(1);
    for (const it of file.items) expect(it.id).toMatch(/^i[0-9a-f]{12}$/);
    // Replacing the pixels leaves identical entries: nothing but pixels differs.
    const stripped = new Set(file.items.map((it) => JSON.stringify({ ...it, id: '', pixels: '' })));
    expect(stripped.size).toBe(1);
  });
  it('reads back with the same pixels', () => {
    const back = parseStudyFile(bytes, 'study.phantomstudy');
    expect(back.items.map((i) => i.id)).toEqual(study.items.map((i) => i.id));
  });
  it('refuses a file that is not a study, or a damaged image', () => {
    expect(() => parseStudyFile(new TextEncoder().encode('{"a":1}'), 'x.json')).toThrow(/x.json: is not a reader study file/);
    const broken = JSON.parse(text);
    broken.items[0].pixels = 'AAAA';
    expect(() => parseStudyFile(new TextEncoder().encode(JSON.stringify(broken)), 'b.json')).toThrow(/b.json: is damaged \(image .* holds 3 pixels/);
  });
});

describe('answers file import', () => {
  const study = designStudy(config, real, synth, 'study-ans');
  const forImport = { studyId: 'study-ans', title: 'Chest phantoms', itemIds: study.items.map((i) => i.id), question: config.question, readerNames: ['Ann'] };
  const answers = study.items.map((i, n) => ({ id: i.id, saidSynthetic: n % 2 === 0, confidenceReal: (n % 5) + 1, ms: 1000 }));

  it('round-trips', async () => {
    const f = await answersFileOf('study-ans', { name: 'Bob', experience: 'resident' }, answers);
    const back = await parseAnswersFile(encodeAnswersFile(f), 'bob.json', forImport);
    expect(back.answers).toEqual(answers);
  });
  it('refuses another study, a reader imported twice, tampering and duplicates, naming the file', async () => {
    const other = await answersFileOf('study-other', { name: 'Bob', experience: '' }, answers);
    await expect(parseAnswersFile(encodeAnswersFile(other), 'o.json', forImport)).rejects.toThrow(/o.json: holds answers to another study/);
    const ann = await answersFileOf('study-ans', { name: 'ann', experience: '' }, answers);
    await expect(parseAnswersFile(encodeAnswersFile(ann), 'a.json', forImport)).rejects.toThrow(/already has answers/);
    const f = await answersFileOf('study-ans', { name: 'Bob', experience: '' }, answers);
    const tampered = { ...f, answers: f.answers.map((a, n) => (n === 0 ? { ...a, saidSynthetic: !a.saidSynthetic } : a)) };
    await expect(parseAnswersFile(encodeAnswersFile(tampered), 't.json', forImport)).rejects.toThrow(/t.json: was changed after the reader saved it/);
    const dup = await answersFileOf('study-ans', { name: 'Bob', experience: '' }, [...answers, answers[0]]);
    await expect(parseAnswersFile(encodeAnswersFile(dup), 'd.json', forImport)).rejects.toThrow(/d.json: answers image .* twice/);
    const stranger = await answersFileOf('study-ans', { name: 'Bob', experience: '' }, [{ ...answers[0], id: 'ixxxxxxxxxxxx' }]);
    await expect(parseAnswersFile(encodeAnswersFile(stranger), 's.json', forImport)).rejects.toThrow(/not in this study/);
    const bad = await answersFileOf('study-ans', { name: 'Bob', experience: '' }, [{ ...answers[0], confidenceReal: 7 }]);
    await expect(parseAnswersFile(encodeAnswersFile(bad), 'c.json', forImport)).rejects.toThrow(/outside 1–5/);
  });
});
