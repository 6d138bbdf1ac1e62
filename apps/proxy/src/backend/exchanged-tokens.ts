import { createHash } from 'node:crypto';
import {
  authorizationServerMetadata,
  exchangeToken,
  idJagAccessToken,
  UpstreamTokenError,
  type UpstreamTokens,
} from '@toolgate/auth/upstream-client';
import { TtlLru } from '@toolgate/core/lru';
import type { SnapshotUpstream } from '@toolgate/core/snapshot';
import { UpstreamError, type UpstreamTarget } from '@toolgate/mcp/upstream';
import type { Principal } from '../mcp-call.ts';

/** An exchanged token is used until this long before it expires. */
const MARGIN_MS = 30_000;
/** When the IdP does not say how long a token lives. */
const DEFAULT_LIFETIME_MS = 60_000;

export interface ExchangeClient {
  clientId: string;
  clientSecret?: string;
  /** `id_jag`: the gateway's client at the server's authorization server (confidential). */
  upstreamClientId?: string;
  upstreamClientSecret?: string;
}

const credentials = (id: string, secret: string | undefined) => ({
  clientId: id,
  ...(secret ? { clientSecret: secret } : {}),
  authMethod: secret ? 'client_secret_basic' : 'none',
});

interface Exchanged {
  target: UpstreamTarget;
  until: number;
}

/**
 * `token_exchange` upstreams (RFC 8693): the caller's IdP token (what they authenticated to the
 * gateway with) is exchanged at the enterprise IdP's token endpoint, the gateway authenticating as
 * its client there, for a token for the upstream; cached per caller and upstream until shortly
 * before it expires, one exchange at a time per caller. Each exchanged token gets its own pooled
 * upstream session, so sessions are never shared between callers.
 */
export class ExchangedTokens {
  private readonly cache = new TtlLru<string, Exchanged>(10_000, 3_600_000);
  private readonly inFlight = new Map<string, Promise<UpstreamTarget>>();
  /** Token endpoints of upstream authorization servers (id_jag), by issuer. */
  private readonly tokenEndpoints = new TtlLru<string, string>(1_000, 3_600_000);

  constructor(private readonly deps: { allowPrivate: boolean; now?: () => number }) {}

  targetFor(
    base: UpstreamTarget,
    upstream: SnapshotUpstream,
    client: ExchangeClient | undefined,
    principal: Principal,
    subjectToken: string | undefined,
  ): UpstreamTarget | Promise<UpstreamTarget> {
    const now = this.deps.now?.() ?? Date.now();
    if (!subjectToken)
      throw new UpstreamError(
        'connect',
        `${upstream.name} acts as each caller through your identity provider: call the gateway with a token from it (other credentials cannot be exchanged)`,
      );
    const endpoint = upstream.authConfig.tokenEndpoint;
    if (!endpoint || !client?.clientId)
      throw new UpstreamError(
        'connect',
        `${upstream.name} has no token endpoint or client to exchange tokens with`,
      );
    const key = `${base.key}\u0000${principal.id}`;
    const hit = this.cache.peek(key);
    if (hit && hit.until > now) return hit.target;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.exchange(base, upstream, endpoint, client, subjectToken, key).finally(() =>
        this.inFlight.delete(key),
      );
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async exchange(
    base: UpstreamTarget,
    upstream: SnapshotUpstream,
    tokenEndpoint: string,
    client: ExchangeClient,
    subjectToken: string,
    key: string,
  ): Promise<UpstreamTarget> {
    let tokens: UpstreamTokens;
    try {
      const http = { allowPrivate: this.deps.allowPrivate };
      const idp = {
        tokenEndpoint,
        client: credentials(client.clientId, client.clientSecret),
        subjectToken,
        ...(upstream.url ? { resource: upstream.url } : {}),
        ...(upstream.authConfig.scopes?.length ? { scopes: upstream.authConfig.scopes } : {}),
      };
      if (upstream.authKind === 'id_jag') {
        const issuer = upstream.authConfig.authorizationServer;
        if (!issuer || !client.upstreamClientId)
          throw new Error(`${upstream.name} has no authorization server or client there to redeem an ID-JAG`);
        tokens = await idJagAccessToken(
          {
            idp,
            upstreamIssuer: issuer,
            upstreamTokenEndpoint: await this.tokenEndpointOf(issuer),
            upstreamClient: credentials(client.upstreamClientId, client.upstreamClientSecret),
          },
          http,
        );
      } else {
        tokens = await exchangeToken(
          { ...idp, ...(upstream.authConfig.audience ? { audience: upstream.authConfig.audience } : {}) },
          http,
        );
      }
    } catch (err) {
      const why = err instanceof UpstreamTokenError ? err.message : (err as Error).message;
      throw new UpstreamError(
        'connect',
        `Your identity provider would not exchange your token for ${upstream.name}: ${why}`,
      );
    }
    const now = this.deps.now?.() ?? Date.now();
    const expires = tokens.expiresAt?.getTime() ?? now + DEFAULT_LIFETIME_MS;
    const id = createHash('sha256').update(tokens.accessToken).digest('base64url').slice(0, 12);
    const target: UpstreamTarget = {
      ...base,
      key: `${base.key}~tx:${id}`,
      headers: { ...base.headers, authorization: `Bearer ${tokens.accessToken}` },
    };
    this.cache.set(key, { target, until: Math.max(now, expires - MARGIN_MS) });
    return target;
  }

  private async tokenEndpointOf(issuer: string): Promise<string> {
    const known = this.tokenEndpoints.peek(issuer);
    if (known) return known;
    const server = await authorizationServerMetadata(issuer, { allowPrivate: this.deps.allowPrivate });
    this.tokenEndpoints.set(issuer, server.tokenEndpoint);
    return server.tokenEndpoint;
  }
}
