import type { Route } from './route.ts';

/**
 * Version pins and canaries of installations (`/installations/{id}/versions`, `/canary…`): issue 17.
 */
export const INSTALLATION_VERSION_ROUTES: readonly Route[] = [];
