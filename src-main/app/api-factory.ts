/**
 * Where the desktop app and `npm start` get their WorkbenchApi: the one implementation in
 * src-main/services (`createWorkbench()`, settings from the environment: EWB_HOME, EWB_VIRTUAL …).
 */
import type { WorkbenchApi } from '../../shared/api.js';
import { WorkbenchError, isWorkbenchError } from '../../shared/errors.js';
import { createWorkbench } from '../services/create-workbench.js';

/** Creates the real WorkbenchApi (virtual eUICC + local test SM-DP+ by default, per the services). */
export async function createWorkbenchApi(): Promise<WorkbenchApi> {
  try {
    return await createWorkbench();
  } catch (err) {
    // A WorkbenchError already says what failed and what to do; anything else gets that framing here.
    if (isWorkbenchError(err)) throw err;
    throw new WorkbenchError(
      'APP_START_FAILED',
      err instanceof Error ? err.message : String(err),
      'Check the data directory ($EWB_HOME, default ~/.local/share/esim-workbench) is writable; EWB_VIRTUAL=0 starts without the virtual eUICC.',
      { cause: err },
    );
  }
}
