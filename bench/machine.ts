/** What machine the numbers come from, and how busy it was: the bench shares 2 cores with other work. */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import type { LoadSummary, MachineInfo } from '../src/bench/record';


export function machineInfo(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch {
    // not Linux: os.cpus() already named it
  }
  return { cpuModel, logicalCores: cpus().length, totalMemoryBytes: totalmem(), node: process.version, platform: `${process.platform} ${process.arch}` };
}


/** Samples the 1-minute load average every `everyMs` so a report can say how busy the machine was. */
export class LoadSampler {
  private readonly values: number[] = [];
  private readonly atStart = loadavg();
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs = 5000) {
    this.values.push(this.atStart[0]);
    this.timer = setInterval(() => this.values.push(loadavg()[0]), everyMs);
  }

  /** Load while a stretch of work ran: call mark() before it and summarise(mark) after. */
  mark(): number {
    this.values.push(loadavg()[0]);
    return this.values.length - 1;
  }

  summarise(from = 0): LoadSummary {
    this.values.push(loadavg()[0]);
    const part = this.values.slice(from);
    return {
      samples: part.length,
      min1: Math.min(...part),
      mean1: part.reduce((a, b) => a + b, 0) / part.length,
      max1: Math.max(...part),
      atStart: this.atStart,
      atEnd: loadavg(),
    };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
