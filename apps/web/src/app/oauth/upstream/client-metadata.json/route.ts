import { connectionUrls } from '@toolgate/api/services/connections';
import { webEnv } from '~/env';

export const dynamic = 'force-dynamic';

/**
 * Toolgate's Client ID Metadata Document: where an upstream authorization server accepts them,
 * this URL is Toolgate's client_id (no registration needed). Public, cacheable.
 */
export function GET(): Response {
  const base = webEnv().PUBLIC_WEB_URL.replace(/\/+$/, '');
  const urls = connectionUrls(base);
  return Response.json(
    {
      client_id: urls.clientMetadata,
      client_name: 'Toolgate',
      client_uri: base,
      redirect_uris: [urls.callback],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'web',
    },
    { headers: { 'cache-control': 'public, max-age=3600' } },
  );
}
