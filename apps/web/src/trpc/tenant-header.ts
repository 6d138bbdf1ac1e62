/** The header the UI's tRPC client names the active workspace in (its slug, from the URL). */
export const TENANT_HEADER = 'x-toolgate-tenant';
