/**
 * The layer rules of .dependency-cruiser.cjs (run by `npm test` over the real tree) must bite: a
 * small tree with one upward import of each kind, a cycle and a test helper used by product code
 * gives exactly those violations, and a clean tree gives none.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cruise, type ICruiseResult } from 'dependency-cruiser';

const config = createRequire(import.meta.url)(resolve('.dependency-cruiser.cjs')) as { forbidden: unknown[] };
const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

/** Writes `files` (path → import specifiers) as TypeScript modules and cruises them with the studio's rules. */
async function violations(files: Record<string, string[]>): Promise<string[]> {
  const root = mkdtempSync(join(tmpdir(), 'layers-'));
  roots.push(root);
  for (const [path, imports] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), imports.map((spec, i) => `import * as m${i} from '${spec}';\nexport const use${i} = m${i};\n`).join('') + 'export const here = 1;\n');
  }
  const result = await cruise(['src', 'models', 'workers'], { baseDir: root, validate: true, ruleSet: { forbidden: config.forbidden } as never, tsPreCompilationDeps: true, enhancedResolveOptions: { extensions: ['.ts'] } });
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
}

describe('layer rules', () => {
  it('accept a tree whose arrows all point down', async () => {
    expect(
      await violations({
        'models/net.ts': [],
        'src/core/jobControl.ts': [],
        'src/storage/store.ts': ['../../models/net.ts', '../core/jobControl.ts'],
        'src/training/trainer.ts': ['../storage/store.ts', '../../models/net.ts'],
        'src/evaluation/job.ts': ['../training/trainer.ts'],
        'src/compute/service.ts': ['../evaluation/job.ts'],
        'workers/compute.worker.ts': ['../src/compute/service.ts'],
        'src/app/App.ts': ['../compute/service.ts'],
        'src/testing/helper.ts': [],
        'src/training/trainer.test.ts': ['../testing/helper.ts', './trainer.ts'],
      }),
    ).toEqual([]);
  });

  it('refuse upward imports, cycles and test helpers in product code', async () => {
    expect(
      await violations({
        'models/net.ts': ['../src/data/random.ts'],
        'src/data/random.ts': [],
        'src/core/jobControl.ts': ['../storage/store.ts'],
        'src/storage/store.ts': ['../training/trainer.ts'],
        'src/training/trainer.ts': ['../compute/service.ts', '../testing/helper.ts'],
        'src/compute/service.ts': [],
        'src/testing/helper.ts': [],
        'src/learn/a.ts': ['./b.ts'],
        'src/learn/b.ts': ['./a.ts'],
        'workers/compute.worker.ts': ['../src/app/App.ts'],
        'src/app/App.ts': [],
      }),
    ).toEqual([
      'base-stays-low: src/storage/store.ts → src/training/trainer.ts',
      'core-is-a-leaf: src/core/jobControl.ts → src/storage/store.ts',
      'domains-below-compute: src/training/trainer.ts → src/compute/service.ts',
      'models-are-pure: models/net.ts → src/data/random.ts',
      'no-cycles: src/learn/a.ts → src/learn/b.ts',
      'testing-only-in-tests: src/training/trainer.ts → src/testing/helper.ts',
      'workers-below-app: workers/compute.worker.ts → src/app/App.ts',
    ]);
  });
});
