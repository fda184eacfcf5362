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

/** The action for a key (KeyboardEvent.key), or null for keys the reader does not use. */
export function actionOfKey(key: string): ReaderAction | null {
  switch (key) {
    case 'r':
    case 'R':
      return { kind: 'real' };
    case 's':
    case 'S':
      return { kind: 'synthetic' };
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
      return { kind: 'confidence', level: Number(key) };
    case 'ArrowRight':
    case 'Enter':
      return { kind: 'next' };
    case 'ArrowLeft':
      return { kind: 'previous' };
    case 'p':
    case 'P':
    case ' ':
      return { kind: 'pause' };
    case 'Escape':
      return { kind: 'exit' };
    case '?':
      return { kind: 'help' };
    case '+':
    case '=':
      return { kind: 'zoomIn' };
    case '-':
    case '_':
      return { kind: 'zoomOut' };
    case '0':
      return { kind: 'resetView' };
    case 'ArrowUp':
      return { kind: 'brighter' };
    case 'ArrowDown':
      return { kind: 'darker' };
    case ']':
      return { kind: 'windowWider' };
    case '[':
      return { kind: 'windowNarrower' };
    default:
      return null;
  }
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
