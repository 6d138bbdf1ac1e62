import type { ControlPlaneDeps } from '../deps.ts';

/** What the REST API needs from its host: the control plane's deps, and where and how it is mounted. */
export interface RestDeps extends ControlPlaneDeps {
  /** Where the API is mounted; default "/api/v1". */
  basePath?: string;
  /** Default 1 MiB. */
  maxBodyBytes?: number;
}
