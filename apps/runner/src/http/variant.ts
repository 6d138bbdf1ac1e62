import type { ServerVariant } from '../registry/load-installation.ts';

/**
 * The server variant a request addresses: `?variant=canary` for the installation's canary, none
 * (or `stable`) for its stable server. Anything else is undefined (a 400 for the caller).
 */
export function variantOf(url: string | undefined): ServerVariant | undefined {
  const query = (url ?? '').split('?')[1];
  const values = new URLSearchParams(query ?? '').getAll('variant');
  if (values.length === 0) return 'stable';
  if (values.length > 1) return undefined;
  return values[0] === 'canary' || values[0] === 'stable' ? values[0] : undefined;
}
