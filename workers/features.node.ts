/**
 * The Node twin of features.worker.ts, for worker_threads (the command-line bench and the
 * pool's tests): the same task handler behind parentPort instead of self.
 */
import { parentPort } from 'node:worker_threads';
import { replyTransfer, runFeatureTask, type FeatureTask } from '../src/evaluation/featureTask';

if (!parentPort) throw new Error('workers/features.node.ts: must run as a worker thread');
const port = parentPort;
port.on('message', (task: FeatureTask) => {
  const reply = runFeatureTask(task);
  port.postMessage(reply, replyTransfer(reply));
});
