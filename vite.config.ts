import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';

/**
 * The Content-Security-Policy is the studio's privacy promise in one line:
 * scripts, workers, wasm and every connection come from our own origin only.
 * 'wasm-unsafe-eval' is needed to compile the tfjs wasm backend; blob: scripts and workers are how
 * tfjs's threaded wasm starts its pthreads (from code in our own bundle; a blob: URL can only name
 * data already in this page, and connect-src still allows no other host). Nothing else is relaxed
 * except inline style attributes, which Svelte sets for dynamic sizes.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' blob: 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/**
 * COOP + COEP make the page cross-origin isolated, which gives SharedArrayBuffer and with it tfjs's
 * threaded wasm (measured in BENCHMARKS.md, "wasm threads"). A host that cannot send these headers
 * still serves a working studio: the compute worker then picks the single-threaded build. The
 * service worker's precache keeps each response's headers, so the installed app stays isolated offline.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
};

export default defineConfig({
  plugins: [
    svelte(),
    {
      name: 'phantom-csp-meta',
      transformIndexHtml: (html) =>
        html.replace('<!--CSP-->', `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}" />`),
    },
    VitePWA({
      // 'prompt': a new build installs and waits; src/app/serviceWorker.ts shows a notice with
      // "Reload to update", so an open tab never runs old code against a swapped cache unasked.
      registerType: 'prompt',
      injectRegister: false,
      includeAssets: ['icons/*.png', 'icons/*.svg', 'favicon.svg'],
      manifest: {
        name: 'Phantom Studio',
        short_name: 'Phantom',
        description: 'Train, generate and judge synthetic medical images, entirely on your own machine.',
        theme_color: '#101418',
        background_color: '#101418',
        display: 'standalone',
        start_url: './',
        scope: './',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icons/icon-512-maskable.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // The tfjs worker chunk is ~2.5 MB and the wasm binaries ~5 MB together; all must be precached
        // or the app would not train offline.
        // pretrained/: the built-in models (index.json and their run files), so a class can generate offline.
        globPatterns: ['**/*.{js,mjs,css,html,wasm,png,svg,ico,webmanifest}', 'pretrained/*.{json,phantomrun}'],
        // The benchmark page is a developer tool: users never need it offline.
        globIgnores: ['**/bench.html', '**/assets/bench-*.js', '**/assets/bench.worker-*.js'],
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
        navigateFallback: 'index.html',
        // Only the studio's own page: another app on this origin (/other-app/) is never answered with it.
        navigateFallbackAllowlist: [/^\/(index\.html)?$/],
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  worker: {
    format: 'es',
    // Workers stay unminified: tfjs's threaded wasm sends its factory function's source text to each
    // pthread (Function.prototype.toString), and minification makes that text refer to names that
    // exist only in the bundle ("ReferenceError: e is not defined" in every pthread, then a hang).
    rolldownOptions: { output: { minify: false } },
  },
  build: {
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 4096,
    // bench.html: the in-browser benchmark page (npm run bench), built beside the app so it runs the same chunks.
    rollupOptions: { input: { main: 'index.html', bench: 'bench.html' } },
  },
  server: { headers: SECURITY_HEADERS },
  preview: { headers: SECURITY_HEADERS },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          environment: 'node',
          include: ['src/**/*.test.ts', 'models/**/*.test.ts', 'workers/**/*.test.ts', 'scripts/**/*.test.ts'],
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['e2e/**/*.test.ts'],
          globalSetup: ['e2e/globalSetup.ts'],
          fileParallelism: false,
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
