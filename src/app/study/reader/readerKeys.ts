/**
 * The reader's keyboard: one table, shown in the help overlay and used by the key handler, so the
 * help can never disagree with what the keys do.
 */
export type ReaderAction =
  | { kind: 'real' }
  | { kind: 'synthetic' }
  | { kind: 'confidence'; level: number }
  | { kind: 'next' }
  | { kind: 'previous' }
  | { kind: 'pause' }
  | { kind: 'exit' }
  | { kind: 'help' }
  | { kind: 'zoomIn' }
  | { kind: 'zoomOut' }
  | { kind: 'resetView' }
  | { kind: 'brighter' }
  | { kind: 'darker' }
  | { kind: 'windowWider' }
  | { kind: 'windowNarrower' };

/**
 * Which keys do what: each action once, with every key that triggers it (letters in both cases, so
 * Caps Lock changes nothing; the digits 1–5 are the confidence levels).
 */
const BINDINGS: readonly (readonly [keys: readonly string[], action: ReaderAction])[] = [
  [['r', 'R'], { kind: 'real' }],
  [['s', 'S'], { kind: 'synthetic' }],
  ...[1, 2, 3, 4, 5].map((level) => [[String(level)], { kind: 'confidence', level }] as const),
  [['ArrowRight', 'Enter'], { kind: 'next' }],
  [['ArrowLeft'], { kind: 'previous' }],
  [['p', 'P', ' '], { kind: 'pause' }],
  [['Escape'], { kind: 'exit' }],
  [['?'], { kind: 'help' }],
  [['+', '='], { kind: 'zoomIn' }],
  [['-', '_'], { kind: 'zoomOut' }],
  [['0'], { kind: 'resetView' }],
  [['ArrowUp'], { kind: 'brighter' }],
  [['ArrowDown'], { kind: 'darker' }],
  [[']'], { kind: 'windowWider' }],
  [['['], { kind: 'windowNarrower' }],
];

/** A Map, not an object: a key such as "constructor" or "toString" must find nothing. */
const ACTION_OF_KEY = new Map<string, ReaderAction>(BINDINGS.flatMap(([keys, action]) => keys.map((key) => [key, action] as const)));

/** The action for a key (KeyboardEvent.key), or null for keys the reader does not use. */
export function actionOfKey(key: string): ReaderAction | null {
  const action = ACTION_OF_KEY.get(key);
  // A copy: the caller may keep or change it without touching the table.
  return action ? { ...action } : null;
}

/** The help overlay's rows: keys and what they do. Answer rows are shown only for the questions asked. */
export function keyHelp(question: { twoChoice: boolean; confidence: boolean }): { keys: string; does: string }[] {
  return [
    ...(question.twoChoice ? [{ keys: 'R / S', does: 'answer real / synthetic' }] : []),
    ...(question.confidence ? [{ keys: '1 – 5', does: 'confidence that the image is real (1 surely synthetic, 5 surely real)' }] : []),
    { keys: '← / →', does: 'previous / next answered image (Enter also goes on)' },
    { keys: 'P or Space', does: 'pause or continue (the image is hidden and the clock stops)' },
    { keys: '+ / − or wheel', does: 'zoom in / out; drag to pan' },
    { keys: '↑ / ↓', does: 'brighter / darker (level)' },
    { keys: '[ / ]', does: 'window narrower / wider (more / less contrast); right-drag or Shift-drag does both' },
    { keys: '0', does: 'reset zoom, pan and window/level' },
    { keys: '?', does: 'show or hide this help' },
    { keys: 'Esc', does: 'leave the study (your progress is kept)' },
  ];
}
