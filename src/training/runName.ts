/** A run's name: trimmed, single-spaced, not empty, at most MAX_RUN_NAME characters. Shared by the worker and the UI. */
export const MAX_RUN_NAME = 80;

/** The name as stored; refuses an empty or overlong one in the user's terms. */
export function checkRunName(name: string): string {
  const clean = name.trim().replace(/\s+/g, ' ');
  if (!clean) throw new Error('A run needs a name: the new name is empty.');
  if (clean.length > MAX_RUN_NAME) throw new Error(`A run's name can be at most ${MAX_RUN_NAME} characters (this one has ${clean.length}).`);
  return clean;
}
