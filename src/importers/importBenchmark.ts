/**
 * Throughput and peak memory of the pipeline on N generated small PNGs (nothing is written to disk).
 *   npx tsx src/importers/importBenchmark.ts [count=10000] [size=64]
 * Peak RSS/heap is sampled every 20 ms while the import runs.
 */
import { encode as encodePng } from 'fast-png';
import { importDataset } from './pipeline';
import type { ImportFile } from './types';

const count = Number(process.argv[2] ?? 10_000);
const size = Number(process.argv[3] ?? 64);

function* generate(): Generator<ImportFile> {
  for (let i = 0; i < count; i++) {
    const label = i % 2 ? 'a' : 'b';
    yield {
      name: `${i}.png`,
      relativePath: `${label}/${i}.png`,
      // Lazy: each PNG is encoded only when the pipeline asks for it, as a browser File would be read.
      bytes: () => {
        const data = new Uint8Array(128 * 128);
        for (let k = 0; k < data.length; k++) data[k] = (k * 31 + i * 17 + ((k >> 7) ^ i)) & 255;
        return encodePng({ width: 128, height: 128, data, channels: 1, depth: 8 });
      },
    };
  }
}

const baseline = process.memoryUsage();
let peakRss = baseline.rss;
let peakHeap = baseline.heapUsed;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}, 20);
const started = performance.now();
const { dataset, report } = await importDataset(generate(), { size, channels: 1, fit: 'crop', labels: { kind: 'folder' }, filesTotal: count });
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
const mb = (b: number) => (b / 2 ** 20).toFixed(0);
console.log(JSON.stringify({
  files: count,
  input: '128x128 8-bit grey PNG, generated lazily',
  outputSize: size,
  images: dataset.images.length,
  rejected: report.rejected.length,
  seconds: Number(seconds.toFixed(2)),
  filesPerSecond: Math.round(count / seconds),
  baselineRssMB: mb(baseline.rss),
  peakRssMB: mb(peakRss),
  peakHeapMB: mb(peakHeap),
  outputPixelsMB: mb(dataset.images.length * size * size),
}));
