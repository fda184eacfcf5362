/**
 * The GPU comparison behind bench/gpu/run.sh: the bench's five studio models (src/bench/benchModels.ts)
 * trained on tfjs WebGPU in Node (Dawn's binding, no browser), then the same configs on PyTorch
 * (python/phantom_models.py via bench/pytorch_reference.py) on CUDA, back to back, never together;
 * prints a table of median step times and their ratio, and writes bench/out/gpu-<time>.json.
 *
 *   npx tsx bench/gpu/run.ts [--models dcgan28,...] [--steps 10] [--warmup 2] [--budget 30]
 *       [--torch-device cuda] [--python python3] [--no-pytorch]
 *
 * Budgets are seconds per model, counted after the first (shader-compiling) step, as in npm run bench.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { createModel, resolveConfig } from '../../models';
import { BENCH_MODELS } from '../../src/bench/benchModels';
import { BENCH_MODEL_IDS, type BenchModelId } from '../../src/bench/types';
import { installNodeWebgpu } from '../../scripts/lib/nodeWebgpu';

const ROOT = resolve(import.meta.dirname, '../..');

interface Row {
  model: string;
  status: string;
  steps: number;
  medianMs?: number;
  firstStepMs?: number;
  imagesPerSecond?: number;
  note?: string;
}

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: BENCH_MODEL_IDS.join(',') },
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    budget: { type: 'string', default: '30' },
    'torch-device': { type: 'string', default: 'cuda' },
    python: { type: 'string', default: 'python3' },
    'no-pytorch': { type: 'boolean', default: false },
  },
});
const models = values.models.split(',').filter(Boolean) as BenchModelId[];
for (const m of models) if (!BENCH_MODEL_IDS.includes(m)) throw new Error(`bench/gpu/run.ts: unknown model '${m}' (${BENCH_MODEL_IDS.join(', ')})`);
const steps = Number(values.steps);
const warmup = Math.max(1, Number(values.warmup));
const budgetMs = Number(values.budget) * 1000;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function timeOnWebgpu(id: BenchModelId): Promise<Row> {
  const model = createModel(BENCH_MODELS[id].input);
  const { batchSize, resolution, channels, numClasses } = model.config;
  const real = tf.randomUniform([batchSize, resolution, resolution, channels], -1, 1, 'float32', 1) as tf.Tensor4D;
  const labels = numClasses > 0 ? tf.tensor1d(Array.from({ length: batchSize }, (_, i) => i % numClasses), 'int32') : null;
  const step = async () => {
    const t0 = performance.now();
    const result = model.trainStep(real, labels);
    await result.metrics.data(); // one readback per step, as the studio's bench
    result.metrics.dispose();
    return performance.now() - t0;
  };
  try {
    const firstStepMs = await step();
    for (let i = 1; i < warmup; i++) await step();
    const started = performance.now();
    const times: number[] = [];
    while (times.length < steps && performance.now() - started < budgetMs) times.push(await step());
    const total = times.reduce((a, b) => a + b, 0);
    return {
      model: id,
      status: times.length === steps ? 'ok' : 'budget exceeded',
      steps: times.length,
      firstStepMs,
      medianMs: times.length ? median(times) : undefined,
      imagesPerSecond: times.length ? (batchSize * times.length * 1000) / total : undefined,
    };
  } catch (error) {
    return { model: id, status: 'failed', steps: 0, note: (error as Error).message };
  } finally {
    real.dispose();
    labels?.dispose();
    model.dispose();
  }
}

function timeOnPytorch(): { rows: Row[]; backend?: string; note?: string } {
  const configs = Object.fromEntries(models.map((m) => [m, resolveConfig(BENCH_MODELS[m].input)]));
  const args = [resolve(ROOT, 'bench/pytorch_reference.py'), '--models', models.join(','), '--configs', JSON.stringify(configs),
    '--steps', String(steps), '--warmup', String(warmup), '--budget-s', String(budgetMs / 1000), '--device', values['torch-device']];
  const run = spawnSync(values.python, args, { encoding: 'utf8', timeout: 20 * 60_000 });
  if (run.error || run.status !== 0) return { rows: [], note: `PyTorch did not run: ${run.error?.message ?? run.stderr.trim().split('\n').at(-1)}` };
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row & { skipped?: string; backend?: string });
  if (lines[0]?.skipped) return { rows: [], note: lines[0].skipped };
  return { rows: lines, backend: lines.find((l) => l.backend)?.backend };
}

const fmt = (ms: number | undefined) => (ms === undefined ? '–' : ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`);

const adapter = await installNodeWebgpu();
if (!(await tf.setBackend('webgpu'))) throw new Error('bench/gpu/run.ts: the tfjs webgpu backend did not start');
await tf.ready();
console.log(`tfjs ${tf.version.tfjs} webgpu in Node ${process.version} on ${adapter.description}`);
const webgpu: Row[] = [];
for (const id of models) {
  const row = await timeOnWebgpu(id);
  console.log(`  webgpu ${BENCH_MODELS[id].label}: ${row.status}, median ${fmt(row.medianMs)} (first step ${fmt(row.firstStepMs)})${row.note ? `: ${row.note}` : ''}`);
  webgpu.push(row);
}
const torch = values['no-pytorch'] ? { rows: [] as Row[], note: '--no-pytorch' } : timeOnPytorch();
if (torch.note) console.log(`PyTorch: ${torch.note}`);

const lines = [
  `| Model (batch 16) | tfjs WebGPU (Node) median step | PyTorch ${torch.backend ?? ''} median step | WebGPU / PyTorch |`,
  '| --- | --- | --- | --- |',
];
for (const id of models) {
  const a = webgpu.find((r) => r.model === id);
  const b = torch.rows.find((r) => r.model === id);
  const ratio = a?.medianMs !== undefined && b?.medianMs !== undefined ? `${(a.medianMs / b.medianMs).toFixed(1)}×` : '–';
  lines.push(`| ${BENCH_MODELS[id].label} | ${fmt(a?.medianMs)} | ${fmt(b?.medianMs)} | ${ratio} |`);
}
console.log(`\n${lines.join('\n')}\n`);
mkdirSync(resolve(ROOT, 'bench/out'), { recursive: true });
const file = resolve(ROOT, `bench/out/gpu-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ adapter: adapter.description, webgpu, pytorch: torch, table: lines }, null, 1));
console.log(`wrote ${file}`);
process.exit(0);
