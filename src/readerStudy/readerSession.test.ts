import { describe, expect, it } from 'vitest';
import type { StudyFile } from './studyFile';
import {
  answerChoice,
  answerConfidence,
  answersOf,
  canGoBack,
  currentId,
  feedbackOf,
  isComplete,
  next,
  pause,
  previous,
  progressOf,
  restoreSession,
  resume,
  serialiseSession,
  sessionFromAnswers,
  trainingDoneOf,
  startSession,
  tick,
  timeLeftMs,
  ReaderSessionError,
  type ReaderSession,
} from './readerSession';

/** A study file with `n` test images and the given training feedback; pixels do not matter here. */
function study(n: number, opts: { twoChoice?: boolean; confidence?: boolean; limit?: number | null; training?: ('R' | 'S')[] } = {}): StudyFile {
  return {
    format: 'phantom-reader-study',
    version: 1,
    studyId: 'study-x',
    title: 'T',
    width: 1,
    height: 1,
    question: { twoChoice: opts.twoChoice ?? true, confidence: opts.confidence ?? false },
    timeLimitSeconds: opts.limit ?? null,
    items: Array.from({ length: n }, (_, i) => ({ id: `t${i}`, pixels: 'AA==' })),
    training: (opts.training ?? []).map((f, i) => ({ id: `tr${i}`, pixels: 'AA==', feedback: f })),
  };
}

describe('reader session', () => {
  it('opens paused on the first image, and a complete answer moves on to the next', () => {
    let s = startSession(study(3));
    expect(s.paused).toBe(true);
    expect(currentId(s)).toBe('t0');
    // Answers are ignored while paused (the image is hidden then).
    expect(answerChoice(s, true, 0)).toBe(s);
    s = resume(s, 1000);
    s = answerChoice(s, true, 3000);
    expect(currentId(s)).toBe('t1');
    expect(s.records.t0).toMatchObject({ saidSynthetic: true, ms: 2000, timedOut: false });
    expect(progressOf(s)).toMatchObject({ position: 2, total: 3, answered: 1, finished: false });
  });

  it('with both questions, waits for both before moving on, in either order', () => {
    let s = resume(startSession(study(2, { confidence: true })), 0);
    s = answerConfidence(s, 4, 100);
    expect(currentId(s)).toBe('t0');
    s = answerChoice(s, false, 200);
    expect(currentId(s)).toBe('t1');
    s = answerChoice(s, true, 300);
    s = answerConfidence(s, 2, 400);
    expect(isComplete(s)).toBe(true);
    expect(answersOf(s)).toEqual([
      { id: 't0', saidSynthetic: false, confidenceReal: 4, ms: 200 },
      { id: 't1', saidSynthetic: true, confidenceReal: 2, ms: 200 },
    ]);
  });

  it('ignores the question the study does not ask and confidences outside 1–5', () => {
    let s = resume(startSession(study(2, { twoChoice: false, confidence: true })), 0);
    expect(answerChoice(s, true, 10)).toBe(s);
    expect(answerConfidence(s, 6, 10)).toBe(s);
    expect(answerConfidence(s, 0, 10)).toBe(s);
    s = answerConfidence(s, 5, 10);
    expect(currentId(s)).toBe('t1');
    expect(s.records.t0.saidSynthetic).toBeNull();
  });

  it('does not count the time while paused', () => {
    let s = resume(startSession(study(2)), 0);
    s = pause(s, 1500);
    s = resume(s, 61_500); // a minute away
    s = answerChoice(s, false, 62_000);
    expect(s.records.t0.ms).toBe(2000);
  });

  it('records an image unanswered at the time limit as timed out and moves on', () => {
    let s = resume(startSession(study(3, { limit: 5 })), 0);
    expect(timeLeftMs(s, 2000)).toBe(3000);
    expect(tick(s, 4999)).toBe(s);
    s = tick(s, 5300);
    expect(currentId(s)).toBe('t1');
    expect(s.records.t0).toEqual({ saidSynthetic: null, confidenceReal: null, ms: 5000, timedOut: true });
    // The next image's clock started when the limit was applied, not at the last tick.
    expect(timeLeftMs(s, 6300)).toBe(4000);
    expect(answersOf(s)).toEqual([{ id: 't0', saidSynthetic: null, confidenceReal: null, ms: 5000 }]);
  });

  it('a key pressed after the limit ran out does not answer the next image', () => {
    let s = resume(startSession(study(3, { limit: 5 })), 0);
    s = answerChoice(s, true, 7000);
    expect(s.records.t0.timedOut).toBe(true);
    expect(s.records.t1).toBeUndefined();
    expect(currentId(s)).toBe('t1');
  });

  it('the time limit does not run while paused, and keeps the partial answer', () => {
    let s = resume(startSession(study(2, { confidence: true, limit: 10 })), 0);
    s = answerChoice(s, true, 3000);
    s = pause(s, 4000);
    expect(tick(s, 100_000)).toBe(s);
    s = resume(s, 100_000);
    expect(timeLeftMs(s, 100_000)).toBe(6000);
    s = tick(s, 106_000);
    expect(s.records.t0).toEqual({ saidSynthetic: true, confidenceReal: null, ms: 10_000, timedOut: true });
  });

  it('arrows move between answered images and to the first unanswered one, not past it', () => {
    let s = resume(startSession(study(3)), 0);
    expect(next(s, 0)).toBe(s);
    s = answerChoice(s, true, 100);
    s = answerChoice(s, false, 200);
    expect(currentId(s)).toBe('t2');
    expect(next(s, 300)).toBe(s);
    s = previous(s, 300);
    s = previous(s, 400);
    expect(currentId(s)).toBe('t0');
    expect(previous(s, 500)).toBe(s);
    // Looking again adds to the image's time; changing the answer moves on again.
    s = answerChoice(s, false, 900);
    expect(s.records.t0).toMatchObject({ saidSynthetic: false, ms: 600 });
    expect(currentId(s)).toBe('t1');
    s = next(s, 1000);
    expect(currentId(s)).toBe('t2');
    expect(s.records.t1.ms).toBe(100 + 100 + 100); // first look, the look on the way back, and after the change
  });

  it('with a time limit there is no going back', () => {
    let s = resume(startSession(study(3, { limit: 30 })), 0);
    s = answerChoice(s, true, 100);
    expect(canGoBack(s)).toBe(false);
    expect(previous(s, 200)).toBe(s);
  });

  it('reaches an end screen after the last image; the reader may go back from it', () => {
    let s = resume(startSession(study(2)), 0);
    s = answerChoice(s, true, 100);
    s = answerChoice(s, true, 200);
    expect(currentId(s)).toBeNull();
    expect(s.runningSince).toBeNull();
    expect(progressOf(s)).toMatchObject({ position: 3, total: 2, answered: 2, finished: true });
    s = previous(s, 5000);
    expect(currentId(s)).toBe('t1');
    expect(s.records.t1.ms).toBe(100); // the end screen did not count
  });

  it('gives feedback in the training block only, then starts the test at its first image', () => {
    let s = resume(startSession(study(2, { training: ['S', 'R'] })), 0);
    expect(progressOf(s)).toMatchObject({ phase: 'training', position: 1, total: 2 });
    expect(feedbackOf(s)).toBeNull();
    s = answerChoice(s, false, 100); // said real, truth synthetic
    expect(currentId(s)).toBe('tr0'); // stays to show the truth
    expect(feedbackOf(s)).toEqual({ truthSynthetic: true, saidSynthetic: false, correct: false, timedOut: false });
    // The training answer is final.
    expect(answerChoice(s, true, 150)).toBe(s);
    s = next(s, 200);
    s = answerChoice(s, false, 300);
    expect(feedbackOf(s)).toMatchObject({ truthSynthetic: false, correct: true });
    s = next(s, 400);
    expect(s.phase).toBe('test');
    expect(currentId(s)).toBe('t0');
    expect(feedbackOf(s)).toBeNull();
    // No going back into training.
    expect(canGoBack(s)).toBe(false);
    s = answerChoice(s, true, 500);
    expect(feedbackOf(s)).toBeNull();
    // The answers file holds the test images only.
    s = answerChoice(s, true, 600);
    expect(answersOf(s).map((a) => a.id)).toEqual(['t0', 't1']);
  });

  it('feedback from a confidence-only training block uses the call 1–2 synthetic, 4–5 real', () => {
    let s = resume(startSession(study(1, { twoChoice: false, confidence: true, training: ['R'] })), 0);
    s = answerConfidence(s, 2, 100);
    expect(feedbackOf(s)).toEqual({ truthSynthetic: false, saidSynthetic: true, correct: false, timedOut: false });
  });

  it('a timed-out training image stays to show its truth', () => {
    let s = resume(startSession(study(1, { limit: 2, training: ['S'] })), 0);
    s = tick(s, 2500);
    expect(currentId(s)).toBe('tr0');
    expect(feedbackOf(s)).toMatchObject({ truthSynthetic: true, timedOut: true, correct: false });
  });

  it('survives serialisation: it resumes paused at the same image, and the time away does not count', () => {
    const file = study(3, { confidence: true, limit: 20 });
    let s: ReaderSession = resume(startSession(file), 0);
    s = answerChoice(s, true, 1000);
    s = answerConfidence(s, 5, 2000);
    s = answerChoice(s, false, 3000); // t1 half answered, 1 s on screen
    const text = serialiseSession(s, 4000); // saved 2 s into t1
    let r = restoreSession(text, file);
    expect(r.paused).toBe(true);
    expect(currentId(r)).toBe('t1');
    expect(r.records.t1).toMatchObject({ saidSynthetic: false, confidenceReal: null, ms: 2000 });
    r = resume(r, 3_600_000); // an hour later
    expect(timeLeftMs(r, 3_600_000)).toBe(18_000);
    r = answerConfidence(r, 1, 3_601_000);
    expect(r.records.t1.ms).toBe(3000);
    expect(currentId(r)).toBe('t2');
    expect(answersOf(r)[0]).toEqual({ id: 't0', saidSynthetic: true, confidenceReal: 5, ms: 2000 });
  });

  it('a snapshot applies a time limit that ran out before the save', () => {
    const file = study(2, { limit: 1 });
    const s = resume(startSession(file), 0);
    const r = restoreSession(serialiseSession(s, 5000), file);
    expect(r.records.t0.timedOut).toBe(true);
    expect(currentId(r)).toBe('t1');
    expect(r.records.t1?.ms ?? 0).toBe(0);
  });

  it('refuses a saved session of another study, another image list or a damaged one, with the reason', () => {
    const file = study(2);
    const text = serialiseSession(startSession(file), 0);
    expect(() => restoreSession(text, { ...file, studyId: 'other' })).toThrow(/another study/);
    expect(() => restoreSession(text, study(3))).toThrow(/does not match the images/);
    expect(() => restoreSession('{not json', file)).toThrow(ReaderSessionError);
    expect(() => restoreSession(JSON.stringify({ ...JSON.parse(text), index: 9 }), file)).toThrow(/position/);
  });
});

describe('a session from stored answers', () => {
  it('keeps the answers and opens paused at the first unanswered test image, past a done training block', () => {
    const file = study(3, { training: ['R'] });
    const s = sessionFromAnswers(file, [{ id: 't0', saidSynthetic: true, confidenceReal: null, ms: 900 }], true);
    expect(s.paused).toBe(true);
    expect(trainingDoneOf(s)).toBe(true);
    expect(currentId(s)).toBe('t1');
    expect(answersOf(s)).toEqual([{ id: 't0', saidSynthetic: true, confidenceReal: null, ms: 900 }]);
    // A stored timeout (both null) stays a timeout.
    const t = sessionFromAnswers(file, [{ id: 't0', saidSynthetic: null, confidenceReal: null, ms: 5000 }], true);
    expect(t.records.t0.timedOut).toBe(true);
    // A new reader with a training block starts in it.
    const fresh = sessionFromAnswers(file, [], false);
    expect(trainingDoneOf(fresh)).toBe(false);
    expect(currentId(fresh)).toBe('tr0');
  });
});
