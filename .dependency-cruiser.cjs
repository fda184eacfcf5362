/**
 * The studio's layer rules, checked by `npm run check:layers` (part of `npm test`).
 *
 * Arrows point down only:
 *   models/            networks and training steps, pure TypeScript over tfjs
 *   src/core           job control, error text, the WebAssembly encoder (a leaf: imports nothing of ours)
 *   src/data, storage  phantoms, seeded randomness; IndexedDB storage and its schema
 *   src/metrics        the metrics themselves (pure TypeScript)
 *   domains            src/importers, datasets, training, evaluation, generation, augment, learn, runfiles, export, readerStudy
 *   src/compute        the worker API: backends, and the service that wires the domains together
 *   workers/, src/bench  the worker entry points and the benchmark page
 *   src/app            the Svelte UI
 * Domains may use each other (peers), but never in a cycle. Tests may use src/testing's helpers.
 */
const DOMAINS = '(importers|datasets|training|evaluation|generation|augment|learn|runfiles|export|readerStudy)';
const TEST = '\\.test\\.ts$';

/** A rule that forbids any import from `from` into `to` (test files included unless said). */
const forbid = (name, comment, from, to, { tests = true } = {}) => ({
  name,
  comment,
  severity: 'error',
  from: tests ? { path: from } : { path: from, pathNot: TEST },
  to: { path: to },
});

module.exports = {
  forbidden: [
    { name: 'no-cycles', comment: 'An import cycle ties modules that should stand alone.', severity: 'error', from: {}, to: { circular: true } },
    forbid('models-are-pure', 'models/ is pure TypeScript over tfjs: it imports nothing from src/ or workers/ (its tests may use src/testing).', '^models/', '^(src|workers)/(?!testing/)'),
    forbid('core-is-a-leaf', 'src/core is imported by every layer, so it imports nothing of ours.', '^src/core/', '^(src/(?!core/)|models/|workers/)'),
    forbid('base-stays-low', 'data and storage sit under every domain.', '^src/(data|storage)/', `^(src/(metrics|${DOMAINS.slice(1, -1)}|compute|bench|app)/|workers/)`),
    forbid('metrics-below-domains', 'Metrics are measures; the jobs that run them live in the domains.', '^src/metrics/', `^(src/(${DOMAINS.slice(1, -1)}|compute|bench|app)/|workers/)`),
    forbid('domains-below-compute', 'Domains know nothing of the worker API, the workers or the UI.', `^src/${DOMAINS}/`, '^(src/(compute|bench|app)/|workers/)'),
    forbid('compute-below-entry-points', 'The worker API is wired by the workers and used by the UI, never the reverse.', '^src/compute/', '^(src/(bench|app)/|workers/)'),
    forbid('workers-below-app', 'Worker entry points never import the UI.', '^workers/', '^src/app/'),
    forbid('testing-only-in-tests', 'src/testing holds test helpers; product code never imports them.', '^(src/(?!testing/)|models/|workers/)', '^src/testing/', { tests: false }),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.svelte', '.mjs'], exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
