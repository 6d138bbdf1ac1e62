import type { LogLevel } from './dispatch/log-levels.ts';
import type { IncomingHttpHeaders } from 'node:http';
import type { PreparedGateway } from './config/snapshot-store.ts';
import type { UsageDraft } from './usage/meter.ts';

/**
 * What one MCP request is, as every layer below the transport sees it: who is calling, on which
 * gateway, in which session, and its usage record. The transports make one per client request
 * (listener → transport → admission → dispatch → backend), and nothing below them reaches back
 * up for more.
 */

/** Who is calling, however they proved it. Sessions bind to `id`. */
export interface Principal {
  /** Stable id for session binding and audit, e.g. "token:<uuid>". */
  id: string;
  tenantId: string;
  /** `passthrough`: a pass-through gateway's caller, known only by its token's subject. */
  authMethod: 'api_token' | 'oauth' | 'idp_jwt' | 'passthrough';
  userId: string | null;
  /** The user's address, when the caller is a user Toolgate knows (forwarded JWTs carry it). */
  email?: string;
  /** The member's role (owner, admin, member); absent for organization and team tokens. */
  role?: string;
  /** The OAuth client the caller's token was issued to (authMethod `oauth`): the agent. */
  clientId?: string;
  /** The API token presented (authMethod `api_token`). */
  tokenId?: string;
  /** Teams the caller acts for (visibility, team installations). */
  teamIds: string[];
  /** Org-wide principals (org tokens) see every gateway of the tenant. */
  orgWide: boolean;
  /** OAuth scopes, when the credential carries them. */
  scopes?: string[];
}

/** An admitted caller: the gateway they reached and who they are. */
export interface Caller {
  gateway: PreparedGateway;
  principal: Principal;
  /** RFC 9728 metadata URL of the gateway, for scope challenges. */
  resourceMetadataUrl?: string;
  /**
   * The token the caller authenticated with, when an upstream may be sent something made from it:
   * an IdP JWT (auth method `idp_jwt`), the subject token of RFC 8693 exchanges for upstreams that
   * ask for one; or a pass-through gateway's access token (`passthrough`), forwarded unchanged to
   * that gateway's one server. Never logged, never stored.
   */
  subjectToken?: string;
}

/** The MCP session a request runs in (a stateless request has a stand-in key). */
export interface CallSession {
  /** Session id, or a stateless stand-in: scopes cancellation and server→client replies. */
  key: string;
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  /** 2026-07-28: the log level this request asked for (`_meta`); none: no log messages. */
  logLevel?: LogLevel;
  /** The client's own name (`clientInfo.name` of initialize, or of a 2026-07-28 request's `_meta`). */
  clientName?: string;
}

/** One client request, admitted, on its way through dispatch to a backend. */
export interface McpCall {
  requestId: string;
  /** Headers of the HTTP request that carried it (header allow-list pass-through, trace context). */
  headers: IncomingHttpHeaders;
  caller: Caller;
  session: CallSession;
  /**
   * The message's usage and audit record; dispatch fills in what only it learns (tool,
   * installation). Absent for client messages forwarded between replicas (legacy SSE). The
   * message's trace span is keyed on it (observability/tracing.ts).
   */
  usage?: UsageDraft;
}
