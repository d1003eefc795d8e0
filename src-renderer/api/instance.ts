import type { WorkbenchApi } from '../../shared/api.js';

let current: WorkbenchApi | undefined;

/** Set once at start-up by main.ts; stores call `workbench()` to reach the API. */
export function setWorkbench(api: WorkbenchApi): void {
  current = api;
}

export function workbench(): WorkbenchApi {
  if (!current) throw new Error('The WorkbenchApi is not connected yet.');
  return current;
}
