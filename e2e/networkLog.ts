import { resolve } from 'node:path';

/** Every request of the e2e run, one JSON line each, checked by globalSetup's teardown. */
export const NETWORK_LOG = resolve('test-results/network-log.jsonl');
