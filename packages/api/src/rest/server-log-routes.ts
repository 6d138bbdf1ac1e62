import type { Route } from './route.ts';

/** A self-hosted server's log, read from the runner hosting it (`/installations/{id}/log`). */
export const SERVER_LOG_ROUTES: readonly Route[] = [];
