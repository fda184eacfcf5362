/** Settings as the worker exposes them: the compute backend the user chose, and the probe that picks one on "auto". */
import type { BackendManager } from './backendManager';
import type { BackendChoice, BackendReport } from './backendTypes';

export interface SettingsApi {
  backendReport(): Promise<BackendReport>;
  setBackendChoice(choice: BackendChoice): Promise<BackendReport>;
  /** Forgets the cached probe and measures again. */
  reprobeBackends(): Promise<BackendReport>;
}

export function createSettingsApi(backends: BackendManager): SettingsApi {
  return {
    backendReport: async () => backends.report(),
    setBackendChoice: (choice) => backends.setChoice(choice),
    reprobeBackends: () => backends.start(true),
  };
}
