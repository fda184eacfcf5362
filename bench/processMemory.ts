/**
 * Peak memory of the browser as the operating system sees it: the proportional set size (PSS) of
 * every process under Chromium, summed by process type, sampled while a job runs. PSS rather than
 * RSS because Chromium's processes share libraries; summed RSS would count them several times.
 * This covers what in-page APIs cannot: the wasm heap, SwiftShader's "GPU" memory in the GPU
 * process, compiled shaders. Linux only; elsewhere the sampler reports nothing.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { MemoryByKind, ProcessKind } from '../src/bench/record';

function children(): Map<number, number[]> {
  const byParent = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name may contain spaces and parentheses: ppid is the 2nd field after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      byParent.set(ppid, [...(byParent.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  return byParent;
}

function kindOf(pid: number, rootPid: number): ProcessKind {
  if (pid === rootPid) return 'browser';
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  if (cmdline.includes('--type=renderer')) return 'renderer';
  if (cmdline.includes('--type=gpu-process')) return 'gpu';
  return 'other';
}

function pssBytes(pid: number): number {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = /^Pss:\s+(\d+) kB/m.exec(rollup);
  return kb ? Number(kb[1]) * 1024 : 0;
}

export function sampleTree(rootPid: number): MemoryByKind {
  const tree = children();
  const out: MemoryByKind = { browser: 0, renderer: 0, gpu: 0, other: 0, total: 0 };
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    stack.push(...(tree.get(pid) ?? []));
    try {
      const bytes = pssBytes(pid);
      out[kindOf(pid, rootPid)] += bytes;
      out.total += bytes;
    } catch {
      // ended, or not ours to read
    }
  }
  return out;
}

/** Keeps the field-wise peak of samples taken every `everyMs` until take() resets it. */
export class PeakMemorySampler {
  private peak: MemoryByKind | null = null;
  private readonly timer: NodeJS.Timeout | null;

  constructor(private readonly rootPid: number | undefined, everyMs = 500) {
    const usable = rootPid !== undefined && process.platform === 'linux';
    this.timer = usable ? setInterval(() => this.sample(), everyMs) : null;
  }

  /** The peak since the last take(), or null when nothing could be sampled. */
  take(): MemoryByKind | null {
    this.sample();
    const peak = this.peak;
    this.peak = null;
    return peak;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private sample(): void {
    if (!this.timer || this.rootPid === undefined) return;
    const now = sampleTree(this.rootPid);
    const p = this.peak;
    this.peak = p
      ? { browser: Math.max(p.browser, now.browser), renderer: Math.max(p.renderer, now.renderer), gpu: Math.max(p.gpu, now.gpu), other: Math.max(p.other, now.other), total: Math.max(p.total, now.total) }
      : now;
  }
}

/** The pid of the process whose command line contains `marker` (a unique switch given at launch). */
export function findProcessByArgument(marker: string): number | undefined {
  if (process.platform !== 'linux') return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(marker)) return Number(entry);
    } catch {
      // ended, or not ours to read
    }
  }
  return undefined;
}
