/**
 * Chooses, starts and replaces the tfjs backend inside the compute worker. A failing backend (no
 * adapter, lost device, missing kernel) hands over to the next candidate with a visible notice;
 * cpu is always there at the end, so the studio never goes blank.
 */
import { tf, activateBackend, LOGICAL_CORES, timeTrainingProbe, wasmThreadCounts } from './tfBackends';
import { wasmThreadsNote } from './wasmThreads';
import { adapterFingerprint, queryAdapter } from './adapterInfo';
import { backendOrder, needsProbe, probeCandidates } from './backendOrder';
import type { AdapterInfo, BackendChoice, BackendName, BackendProbeResult, BackendReport, ProbeMeasurement } from './backendTypes';
import { loadSettings, updateSettings } from './backendSettings';
import type { KeyValueStore } from '../storage/keyValueStore';
import { errorMessage } from '../core/errorMessage';

export class BackendManager {
  private adapter: AdapterInfo | null = null;
  private order: BackendName[] = [];
  private current: BackendName | null = null;
  private reason = '';
  private probe: BackendProbeResult | null = null;
  private notices: string[] = [];
  private listeners = new Set<(report: BackendReport) => void>();

  constructor(private readonly store: KeyValueStore) {}

  onChange(listener: (report: BackendReport) => void): void {
    this.listeners.add(listener);
  }

  report(): BackendReport {
    if (!this.current) throw new Error('No backend has been started yet');
    const report: BackendReport = { backend: this.current, adapter: this.adapter, reason: this.reason, probe: this.probe, notices: [...this.notices] };
    if (this.current === 'wasm') {
      const threads = wasmThreadCounts();
      report.wasmThreads = threads.poolThreads + threads.simdHelpers;
      report.wasmThreadsNote = wasmThreadsNote(threads, globalThis.crossOriginIsolated === true, LOGICAL_CORES);
    }
    return report;
  }

  get active(): BackendName | null {
    return this.current;
  }

  /**
   * Backend changes (start, a new choice, a fallback) run one at a time. Two at once interleaved
   * their tf.setBackend calls: a choice applied while the startup probe was still activating each
   * candidate announced wasm with no helper threads (the probe had switched tf to another backend
   * under it), and the status bar kept saying so.
   */
  private queue: Promise<unknown> = Promise.resolve();

  private oneAtATime<T>(change: () => Promise<T>): Promise<T> {
    const run = this.queue.then(change, change);
    this.queue = run.catch(() => undefined);
    return run;
  }

  start(forceProbe = false): Promise<BackendReport> {
    return this.oneAtATime(() => this.startNow(forceProbe));
  }

  private async startNow(forceProbe: boolean): Promise<BackendReport> {
    this.adapter = await queryAdapter();
    const settings = await loadSettings(this.store);
    const choice = settings.backend;
    // Isolation decides between wasm's threaded and single-threaded builds: a probe of one says nothing of the other.
    const fingerprint = `${adapterFingerprint(this.adapter, navigator.userAgent)}|isolated=${globalThis.crossOriginIsolated === true}`;
    this.probe = settings.probe?.fingerprint === fingerprint && !forceProbe ? settings.probe : null;
    let why: string;
    if (choice !== 'auto') why = 'chosen in settings';
    else if (this.adapter && !this.adapter.software) why = 'hardware WebGPU adapter';
    else if (this.probe) why = 'fastest in the cached probe';
    else why = 'fastest in the probe';
    if (needsProbe(choice, this.adapter) && !this.probe) {
      this.probe = await this.runProbe(fingerprint);
      await updateSettings(this.store, { probe: this.probe });
    }
    this.order = backendOrder(choice, this.adapter, this.probe);
    return this.activateFrom(0, why);
  }

  setChoice(choice: BackendChoice): Promise<BackendReport> {
    return this.oneAtATime(async () => {
      await updateSettings(this.store, { backend: choice });
      this.notices = [];
      return this.startNow(false);
    });
  }

  /** Called when work on the current backend failed in a way the backend is to blame for. */
  fallback(reason: string): Promise<BackendReport> {
    return this.oneAtATime(() => this.fallbackNow(reason));
  }

  private async fallbackNow(reason: string): Promise<BackendReport> {
    const failed = this.current;
    const index = failed ? this.order.indexOf(failed) : -1;
    if (failed === 'cpu' || index === this.order.length - 1) throw new Error(`The cpu backend failed: ${reason}`);
    this.notices.push(`${failed} failed (${reason}); switched to the next backend.`);
    return this.activateFrom(index + 1, `fallback after ${failed} failed`);
  }

  private async activateFrom(start: number, why: string): Promise<BackendReport> {
    for (let i = start; i < this.order.length; i++) {
      const name = this.order[i];
      const result = await activateBackend(name);
      if (result.ok) {
        this.current = name;
        this.reason = i === start ? why : `fallback: ${why}`;
        if (name === 'webgpu') this.watchDeviceLoss();
        const report = this.report();
        this.listeners.forEach((l) => l(report));
        return report;
      }
      this.notices.push(`${name} could not start (${result.error}).`);
    }
    throw new Error(`No compute backend could start: ${this.notices.join(' ')}`);
  }

  private watchDeviceLoss(): void {
    const backend = tf.backend() as unknown as { device?: { lost?: Promise<{ message?: string; reason?: string }> } };
    backend.device?.lost?.then((info) => {
      if (this.current !== 'webgpu' || info.reason === 'destroyed') return;
      void this.fallback(`GPU device lost: ${info.message || info.reason || 'unknown reason'}`);
    });
  }

  private async runProbe(fingerprint: string): Promise<BackendProbeResult> {
    const measurements: ProbeMeasurement[] = [];
    for (const backend of probeCandidates(this.adapter)) {
      const started = await activateBackend(backend);
      if (!started.ok) {
        measurements.push({ backend, msPerStep: null, error: started.error });
        continue;
      }
      try {
        measurements.push({ backend, msPerStep: await timeTrainingProbe() });
      } catch (error) {
        measurements.push({ backend, msPerStep: null, error: errorMessage(error) });
      }
    }
    return { fingerprint, measuredAt: Date.now(), measurements };
  }
}
