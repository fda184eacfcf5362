/// <reference types="vite-plugin-pwa/vanillajs" />
/**
 * Registers the service worker that makes the studio work offline. A new build installs in the
 * background and waits (registerType 'prompt' in vite.config.ts): this tab keeps running the code it
 * loaded until the user chooses "Reload to update" on the notice, which activates the new build and
 * reloads. Nothing is swapped under a running training job unasked.
 */
import { registerSW } from 'virtual:pwa-register';
import { notify } from './studioState.svelte';

export const UPDATE_NOTICE = 'A new version of Phantom Studio is ready.';

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  let shown = false;
  const updateSW = registerSW({
    onNeedRefresh() {
      if (shown) return;
      shown = true;
      notify(UPDATE_NOTICE, 'info', { label: 'Reload to update', run: () => void updateSW(true) });
    },
  });
}
