/**
 * tfjs's WebGPU backend in Node through Dawn's binding: a few DCGAN steps (and DDPM steps, whose
 * ~100 gradients once exceeded WebGPU's storage-buffer limit in AddN) match the cpu backend within
 * 1e-4 (metrics, generated images, weights). On a machine without a GPU it runs on Chromium's
 * SwiftShader Vulkan driver, and skips with the reason when that driver is absent.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, lastJsonLine } from '../testing/runScript';
import { SWIFTSHADER_ENV, SWIFTSHADER_ICD } from './nodeWebgpu';

interface StepsReport {
  adapter: string;
  backend: string;
  metricDiff: number;
  imageDiff: number;
  weightDiff: number;
  msPerStep: { cpu: number; webgpu: number };
}

describe.each(['dcgan', 'ddpm'])('WebGPU from Node (Dawn): %s', (kind) => {
  it('trains steps on WebGPU that match the cpu backend within 1e-4', (context) => {
    if (!existsSync(SWIFTSHADER_ICD))
      return context.skip(`Node WebGPU check skipped: no Vulkan driver to run on (Chromium's SwiftShader ${SWIFTSHADER_ICD} is absent; install the chromium package)`);
    const run = spawnSync(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), [join(PROJECT_ROOT, 'scripts', 'testing', 'webgpuSteps.ts'), '3', kind], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, ...SWIFTSHADER_ENV },
    });
    expect(run.status, run.stderr).toBe(0);
    const report = lastJsonLine<StepsReport>(run.stdout);
    console.log(`Node WebGPU ${kind} on ${report.adapter}: max |webgpu − cpu| metrics ${report.metricDiff}, images ${report.imageDiff}, weights ${report.weightDiff}`);
    expect(report.backend).toBe('webgpu');
    expect(report.metricDiff).toBeLessThan(1e-4);
    expect(report.imageDiff).toBeLessThan(1e-4);
    expect(report.weightDiff).toBeLessThan(1e-4);
  }, 320_000);
});
