/** The studio's stages, in workflow order. The hash (#/train) names the open one, so reloads keep it. */
export const STAGES = [
  { id: 'data', title: 'Data', summary: 'Built-in phantoms and your own scans' },
  { id: 'train', title: 'Train', summary: 'GANs, VAEs and diffusion on your GPU' },
  { id: 'models', title: 'Models', summary: 'Your trained models: run cards, rename, continue, compare, run files' },
  { id: 'generate', title: 'Generate', summary: 'Sample synthetic images' },
  { id: 'evaluate', title: 'Evaluate', summary: 'Realism, diversity and memorisation' },
  { id: 'augment', title: 'Augment', summary: 'Does synthetic data help a classifier?' },
  { id: 'study', title: 'Reader study', summary: 'A blinded visual Turing test: can readers tell real from synthetic?' },
  { id: 'learn', title: 'Learn', summary: 'The classroom view: GANs against VAEs' },
] as const;
export type StageId = (typeof STAGES)[number]['id'];

export function stageFromHash(hash: string): StageId {
  const id = hash.replace(/^#\/?/, '').split('/')[0];
  return (STAGES.find((s) => s.id === id)?.id ?? 'data') as StageId;
}

/** What the hash names inside its stage (#/augment/aug-123 → "aug-123"), so a link can open one item; null when nothing. */
export function itemFromHash(hash: string): string | null {
  const rest = hash.replace(/^#\/?/, '').split('/').slice(1).join('/');
  return rest ? decodeURIComponent(rest) : null;
}
