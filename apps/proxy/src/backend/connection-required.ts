import { randomUUID } from 'node:crypto';
import { errorMessage, type JsonRpcRequestMessage, resultMessage } from '@toolgate/mcp/jsonrpc';
import type { SnapshotUpstream } from '@toolgate/core/snapshot';
import type { CallSession } from '../mcp-call.ts';

/** MCP 2025-11-25: the request needs the user to complete a URL-mode elicitation first. */
export const URL_ELICITATION_REQUIRED = -32042;

/** The Connected accounts page, opened on the server whose account is missing. */
export const connectPageUrl = (publicWebUrl: string, tenantSlug: string, entryId: string): string =>
  `${publicWebUrl.replace(/\/+$/, '')}/t/${tenantSlug}/connections?connect=${entryId}`;

const acceptsUrlElicitation = (session: CallSession): boolean => {
  const elicitation = session.clientCapabilities.elicitation as Record<string, unknown> | undefined;
  return typeof elicitation === 'object' && elicitation !== null && elicitation.url !== undefined;
};

/**
 * The caller has no account at a server that uses OAuth (or it must be reconnected): a client that
 * takes URL-mode elicitations gets one pointing at the page where they connect it (error -32042,
 * 2025-11-25); any other client gets a tool error with the link. Connecting makes the next call
 * work: the gateway reloads the moment the account is stored.
 */
export function connectionRequired(
  id: JsonRpcRequestMessage['id'],
  session: CallSession,
  upstream: Pick<SnapshotUpstream, 'name'>,
  url: string,
  reconnect = false,
): unknown {
  const message = reconnect
    ? `Your account at ${upstream.name} must be connected again: open ${url}, then call the tool again.`
    : `Connect your account at ${upstream.name} to use this tool: open ${url}, then call the tool again.`;
  if (acceptsUrlElicitation(session))
    return errorMessage(id, {
      code: URL_ELICITATION_REQUIRED,
      message,
      data: { elicitations: [{ mode: 'url', elicitationId: randomUUID(), url, message }] },
    });
  return resultMessage(id, { content: [{ type: 'text', text: message }], isError: true });
}
