import type { KeyRing } from '@toolgate/core/crypto';
import { TtlLru } from '@toolgate/core/lru';
import { LEGACY_SSE_VERSION } from '@toolgate/mcp/protocol';
import {
  issueSession,
  openSession,
  type SessionCheck,
  type SessionClaims,
} from '@toolgate/mcp/session-token';
import type { Caller } from '../mcp-call.ts';
import type { RefusalLog } from '../observability/refusal-log.ts';
import type { SessionRevocations } from './session-revocations.ts';

/** Client capabilities and info travel inside every session id (a header on each request). */
export const MAX_SEALED_CAPABILITIES_CHARS = 4_096;
const MAX_CLIENT_INFO_CHARS = 256;

/** Why a presented session id does not open. */
export type SessionProblem = 'SESSION_NOT_FOUND' | 'REVOCATIONS_UNAVAILABLE';

/** The two kinds of session: Streamable HTTP's (stateful revisions) and the legacy SSE stream's. */
export type SessionKind = 'streamable' | 'legacy';

export interface NewSession {
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  clientInfo?: unknown;
}

/**
 * MCP sessions for both transports: sealed ids (any replica opens them, no sticky routing),
 * bound to the principal that opened them, refused on every replica once ended.
 */
export class Sessions {
  private readonly opened = new TtlLru<string, SessionClaims>(20_000, 10 * 60_000);

  constructor(
    private readonly keys: KeyRing,
    private readonly ended: SessionRevocations,
    /** Counts session ids that do not open, for the refusal summary. */
    private readonly refusals?: RefusalLog,
  ) {}

  /** Why these initialize capabilities cannot be sealed into a session id, if they cannot. */
  static capabilitiesProblem(capabilities: unknown): string | undefined {
    if (capabilities === undefined) return undefined;
    if (typeof capabilities !== 'object' || capabilities === null || Array.isArray(capabilities))
      return '"capabilities" must be an object';
    const size = JSON.stringify(capabilities).length;
    if (size > MAX_SEALED_CAPABILITIES_CHARS)
      return `"capabilities" is ${size} characters of JSON; the gateway accepts at most ${MAX_SEALED_CAPABILITIES_CHARS}`;
    return undefined;
  }

  issue(caller: Caller, session: NewSession): { id: string; claims: SessionClaims } {
    const { snapshot } = caller.gateway;
    const clientInfo = session.clientInfo as { name?: unknown; version?: unknown } | undefined;
    return issueSession(this.keys, {
      tenantId: snapshot.tenant.id,
      gatewayId: snapshot.gateway.id,
      principal: caller.principal.id,
      protocolVersion: session.protocolVersion,
      clientCapabilities: session.clientCapabilities,
      ...(typeof clientInfo?.name === 'string'
        ? {
            clientInfo: {
              name: clientInfo.name.slice(0, MAX_CLIENT_INFO_CHARS),
              version:
                typeof clientInfo.version === 'string'
                  ? clientInfo.version.slice(0, MAX_CLIENT_INFO_CHARS)
                  : '',
            },
          }
        : {}),
    });
  }

  /**
   * Opens the session a request presents: of this gateway, opened by this principal, of this
   * kind, not ended. Revocation is checked on every request; when neither Redis nor Postgres can
   * say, the session is refused rather than served for want of an answer.
   */
  async open(
    sessionId: string,
    caller: Caller,
    kind: SessionKind,
  ): Promise<{ ok: true; claims: SessionClaims } | { ok: false; problem: SessionProblem }> {
    const { snapshot } = caller.gateway;
    const opened = this.openCached(sessionId, snapshot.tenant.id, snapshot.gateway.id);
    if (
      !opened.ok ||
      opened.claims.principal !== caller.principal.id ||
      (opened.claims.protocolVersion === LEGACY_SSE_VERSION) !== (kind === 'legacy')
    ) {
      this.refusals?.note('session_not_found');
      return { ok: false, problem: 'SESSION_NOT_FOUND' };
    }
    let ended: boolean;
    try {
      ended = await this.ended.isEnded(opened.claims.sid);
    } catch {
      return { ok: false, problem: 'REVOCATIONS_UNAVAILABLE' };
    }
    if (!ended) return { ok: true, claims: opened.claims };
    this.refusals?.note('session_not_found');
    return { ok: false, problem: 'SESSION_NOT_FOUND' };
  }

  /** Ends a session on every replica; false when neither Postgres nor Redis could record it. */
  end(claims: SessionClaims): Promise<boolean> {
    return this.ended.end(claims.tenantId, claims.sid, claims.expiresAt);
  }

  /**
   * Opening a session id is an AES-GCM decrypt and a JSON parse; a replica remembers ids it has
   * opened until they expire. The claims name their tenant and gateway (an id opens for no
   * other), so the exact id is the key.
   */
  private openCached(sessionId: string, tenantId: string, gatewayId: string): SessionCheck {
    const cached = this.opened.get(sessionId);
    if (
      cached &&
      cached.tenantId === tenantId &&
      cached.gatewayId === gatewayId &&
      cached.expiresAt * 1000 > Date.now()
    ) {
      return { ok: true, claims: cached };
    }
    const opened = openSession(this.keys, sessionId, { tenantId, gatewayId });
    if (opened.ok) this.opened.set(sessionId, opened.claims);
    return opened;
  }
}
