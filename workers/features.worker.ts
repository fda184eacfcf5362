/// <reference lib="webworker" />
/**
 * A feature worker: radiomics of the chunks of images the evaluation's feature pool
 * (src/evaluation/featurePool.ts) sends it, one message per chunk. Started from the compute
 * worker (a nested dedicated worker), so the UI thread never sees these messages.
 */
import { replyTransfer, runFeatureTask, type FeatureTask } from '../src/evaluation/featureTask';

self.onmessage = (message: MessageEvent<FeatureTask>) => {
  const reply = runFeatureTask(message.data);
  self.postMessage(reply, replyTransfer(reply));
};
