import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';

/**
 * The Content-Security-Policy is the studio's privacy promise in one line:
 * scripts, workers, wasm and every connection come from our own origin only.
 * 'wasm-unsafe-eval' is needed to compile the tfjs wasm backend; nothing else is relaxed
 * except inline style attributes, which Svelte sets for dynamic sizes.
 */
/**
 * PHANTOM_CROSS_ORIGIN_ISOLATED=1 builds a variant for measuring tfjs's threaded wasm (bench/wasmThreads.ts):
 * COOP/COEP headers, no minification (the threaded build re-evaluates its own factory's source in
 * each pthread worker, which minification breaks) and blob: workers and scripts, which is how tfjs
 * starts those pthreads. The studio itself is never built this way.
 */
const crossOriginIsolated = process.env.PHANTOM_CROSS_ORIGIN_ISOLATED === '1';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  crossOriginIsolated ? "script-src 'self' blob: 'wasm-unsafe-eval'" : "script-src 'self' 'wasm-unsafe-eval'",
  crossOriginIsolated ? "worker-src 'self' blob:" : "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

// No COOP/COEP in the studio: see BENCHMARKS.md ("wasm threads") for what threads measured here.
const securityHeaders: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  ...(crossOriginIsolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {}),
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
      registerType: 'autoUpdate',
      injectRegister: 'script',
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
        globPatterns: ['**/*.{js,mjs,css,html,wasm,png,svg,ico,webmanifest}'],
        // The benchmark page is a developer tool: users never need it offline.
        globIgnores: ['**/bench.html', '**/assets/bench-*.js', '**/assets/bench.worker-*.js'],
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
        navigateFallback: 'index.html',
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    ...(crossOriginIsolated ? { minify: false, outDir: 'dist-isolated' } : {}),
    sourcemap: false,
    chunkSizeWarningLimit: 4096,
    // bench.html: the in-browser benchmark page (npm run bench), built beside the app so it runs the same chunks.
    rollupOptions: { input: { main: 'index.html', bench: 'bench.html' } },
  },
  server: { headers: securityHeaders },
  preview: { headers: securityHeaders },
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
