/**
 * The JSON a bench run leaves in bench/out/: everything the page measured plus what only the Node
 * driver can see (machine, load, process memory, the PyTorch reference). BENCHMARKS.md is
 * rendered from it (src/bench/markdown.ts), so the table never holds a number the JSON lacks.
 */
import type { BenchPlan, PageReport } from './types';

export interface MachineInfo {
  cpuModel: string;
  logicalCores: number;
  totalMemoryBytes: number;
  node: string;
  platform: string;
}

export interface LoadSummary {
  /** os.loadavg() 1-minute values sampled while that part ran. */
  samples: number;
  min1: number;
  mean1: number;
  max1: number;
  atStart: number[];
  atEnd: number[];
}

export type ProcessKind = 'browser' | 'renderer' | 'gpu' | 'other';
/** Peak PSS in bytes per Chromium process kind, and of their sum. */
export type MemoryByKind = Record<ProcessKind, number> & { total: number };

/** One line of bench/pytorch_reference.py. */
export interface PytorchRow {
  model: string;
  status: 'ok' | 'budget exceeded' | 'not available';
  note?: string;
  backend?: string;
  threads?: number;
  batch?: number;
  steps?: number;
  stepMs?: number[];
  firstStepMs?: number;
  medianMs?: number;
  minMs?: number;
  maxMs?: number;
  meanMs?: number;
  imagesPerSecond?: number;
  /** 1-minute load average when this row's run started (bench/run.ts). */
  load1AtStart?: number;
}

export type PytorchReport = { rows: PytorchRow[]; load: LoadSummary } | { skipped: string };

export interface BenchRecord {
  format: 'phantom-studio/bench';
  version: 1;
  startedAt: string;
  finishedAt: string;
  command: string;
  machine: MachineInfo;
  chromium: string;
  chromiumArgs: string[];
  plan: BenchPlan;
  page: PageReport;
  /** Peak PSS of the browser while each plan job ran (same index as page.results); null where not sampled. */
  processMemory: (MemoryByKind | null)[];
  /** 1-minute load average as each plan job started (same index as page.results); absent in older records. */
  jobLoad1?: number[];
  browserLoad: LoadSummary;
  pytorch: PytorchReport;
}
