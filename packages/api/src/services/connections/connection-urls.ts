/** How long a user has to consent at the upstream before the authorization must start again. */
export const STATE_TTL_MS = 10 * 60_000;

export const verifierAad = (stateHash: string) => `upstream-state:${stateHash}`;
export const refreshTokenAad = (connectionId: string) => `upstream-connection:${connectionId}`;

export interface ConnectionUrls {
  /** Where upstream authorization servers send the user back (a redirect URI Toolgate registers). */
  callback: string;
  /** Toolgate's Client ID Metadata Document (its URL is the client id where servers accept them). */
  clientMetadata: string;
  /** The Connected accounts page, where the callback lands the user. */
  page: (tenantSlug: string) => string;
}

export function connectionUrls(publicWebUrl: string): ConnectionUrls {
  const base = publicWebUrl.replace(/\/+$/, '');
  return {
    callback: `${base}/oauth/upstream/callback`,
    clientMetadata: `${base}/oauth/upstream/client-metadata.json`,
    page: (tenantSlug) => `${base}/t/${tenantSlug}/connections`,
  };
}
