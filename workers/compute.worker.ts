/// <reference lib="webworker" />
/** The compute worker: all tfjs work and dataset storage happen here, off the UI thread. */
import * as Comlink from 'comlink';
import '../src/compute/codecUrls';
import { ComputeService } from '../src/compute/computeService';
import type { ComputeApi } from '../src/compute/computeApi';

const service: ComputeApi = new ComputeService();
Comlink.expose(service);
