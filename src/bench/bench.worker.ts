/// <reference lib="webworker" />
/**
 * The bench worker: runs exactly one job, then the page terminates it. A fresh worker per job
 * means each (backend, model) starts cold, as a new training run in the app does, so its first
 * step includes shader compilation, and no pooled GPU buffers or wasm heap carry over between rows.
 */
import '../compute/codecUrls';
import { runImportJob, runMetricsJob } from './cpuJobs';
import { runTrainJob } from './trainJob';
import { runGenerateJob } from './generateJob';
import type { BenchJob, JobResult, WorkerEvent } from './types';
import { errorMessage } from '../core/errorMessage';

const post = (event: WorkerEvent) => self.postMessage(event);

async function run(job: BenchJob): Promise<JobResult> {
  switch (job.kind) {
    case 'train':
      return runTrainJob(job, post);
    case 'metrics':
      return runMetricsJob(job, post);
    case 'import':
      return runImportJob(job, post);
    case 'generate':
      return runGenerateJob(job, post);
  }
}

self.onmessage = (message: MessageEvent<BenchJob>) => {
  run(message.data).then(
    (result) => post({ type: 'done', result }),
    (error: unknown) => post({ type: 'failed', message: errorMessage(error) }),
  );
};
