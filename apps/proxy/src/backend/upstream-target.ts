import { createHash } from 'node:crypto';
import { openString, type KeyRing } from '@toolgate/core/crypto';
import { TtlLru } from '@toolgate/core/lru';
import { NEVER_FORWARDED_HEADERS } from '@toolgate/core/passthrough-headers';
import type { SnapshotTool, SnapshotUpstream } from '@toolgate/core/snapshot';
import { UpstreamError, type UpstreamTarget } from '@toolgate/mcp/upstream';
import { buildUpstreamTarget, credentialsAad } from '@toolgate/mcp/upstream-target';
import type { Principal } from '../mcp-call.ts';
import type { PreparedGateway, PreparedInstallation } from '../config/snapshot-store.ts';
import { inCanary } from './canary-split.ts';
import type { ExchangeClient, ExchangedTokens } from './exchanged-tokens.ts';
import type { ForwardedJwts } from './forwarded-jwt.ts';

/**
 * Picks the installation that serves a tool for a caller: the pinned one, else the caller's
 * personal installation, else one of their teams', else the org's.
 */
export function resolveInstallation(
  gateway: PreparedGateway,
  tool: Pick<SnapshotTool, 'entryId' | 'installationId'>,
  principal: Principal,
): PreparedInstallation | undefined {
  if (tool.installationId) return gateway.installations.get(tool.installationId);
  const candidates = gateway.installationsByEntry.get(tool.entryId) ?? [];
  return (
    (principal.userId && candidates.find((i) => i.scope === 'personal' && i.userId === principal.userId)) ||
    candidates.find((i) => i.scope === 'team' && i.teamId !== null && principal.teamIds.includes(i.teamId)) ||
    candidates.find((i) => i.scope === 'org')
  );
}

/**
 * Builds upstream targets (URL or command plus the credential) from installations. Decrypting
 * is cached per sealed value, so the hot path does no AES work in steady state.
 */
export class UpstreamTargets {
  private readonly cache = new TtlLru<string, UpstreamTarget>(10_000, 10 * 60_000);

  constructor(
    private readonly ring: KeyRing,
    /** Signs the tokens of `jwt` (Forwarded JWT) upstreams; without it they cannot be called. */
    private readonly jwts?: ForwardedJwts,
    /** Exchanges callers' IdP tokens for `token_exchange` upstreams. */
    private readonly exchanges?: ExchangedTokens,
  ) {}

  /**
   * The target for an installation; for a `jwt` upstream, the caller's (`principal`) with their
   * token, which throws UpstreamError('connect') while the signing key is not loaded yet: callers
   * that can wait use `forCaller`. An installation running a canary sends the callers in its share
   * to the runner's canary variant, on upstream sessions of their own (see canary-split.ts).
   */
  forInstallation(
    upstream: SnapshotUpstream,
    installation: PreparedInstallation,
    principal?: Principal,
  ): UpstreamTarget {
    const cacheKey = `${installation.id}\u0000${installation.credentialsSealed ?? ''}\u0000${upstream.entryId}`;
    let target = this.cache.get(cacheKey);
    if (!target) {
      target = this.build(upstream, installation);
      this.cache.set(cacheKey, target);
    }
    // No hashing unless the installation runs a canary: the common case costs one property read.
    const { canary } = installation;
    if (
      canary !== undefined &&
      principal &&
      target.runner &&
      inCanary(installation.id, principal.id, canary.percent)
    )
      target = this.canaryOf(target, cacheKey, canary.version);
    return upstream.authKind === 'jwt' ? this.forwardedJwt(upstream, target, principal) : target;
  }

  /** The stable target's twin served by the runner's canary variant, pooled apart (cached). */
  private canaryOf(stable: UpstreamTarget, stableKey: string, version: string): UpstreamTarget {
    const cacheKey = `${stableKey}\u0000canary\u0000${version}`;
    let target = this.cache.get(cacheKey);
    if (!target) {
      target = {
        ...stable,
        key: `${stable.key}~canary:${version}`,
        runner: { ...stable.runner!, variant: 'canary' },
      };
      this.cache.set(cacheKey, target);
    }
    return target;
  }

  /**
   * Like forInstallation, waiting for the signing key the first time a `jwt` upstream is called,
   * and for a `token_exchange` upstream exchanging the caller's IdP token (`subjectToken`).
   */
  forCaller(
    upstream: SnapshotUpstream,
    installation: PreparedInstallation,
    principal: Principal,
    subjectToken?: string,
  ): UpstreamTarget | Promise<UpstreamTarget> {
    if (upstream.authKind === 'token_exchange' || upstream.authKind === 'id_jag') {
      if (!this.exchanges)
        throw new UpstreamError('connect', `${upstream.name} needs token exchange, not set up here`);
      const base = this.forInstallation(upstream, installation, principal);
      return this.exchanges.targetFor(
        base,
        upstream,
        this.exchangeClient(installation),
        principal,
        subjectToken,
      );
    }
    if (upstream.authKind === 'oauth_passthrough' && principal.authMethod === 'passthrough') {
      // A pass-through gateway's caller: their token, unchanged, on a session of its own.
      if (!subjectToken) throw new UpstreamError('connect', `${upstream.name} needs the caller's token`);
      return withForwardedToken(this.forInstallation(upstream, installation, principal), subjectToken);
    }
    if (upstream.authKind !== 'jwt' || !this.jwts || this.jwts.isReady)
      return this.forInstallation(upstream, installation, principal);
    return this.jwts.ready().then(() => this.forInstallation(upstream, installation, principal));
  }

  private forwardedJwt(
    upstream: SnapshotUpstream,
    base: UpstreamTarget,
    principal: Principal | undefined,
  ): UpstreamTarget {
    if (!this.jwts || !principal || !upstream.url)
      throw new UpstreamError(
        'connect',
        `${upstream.name} expects a token signed by Toolgate for its caller, which this request cannot carry`,
      );
    return this.jwts.targetFor(base, upstream.url, principal);
  }

  /**
   * The gateway's client at the IdP (the installation's `clientId`, secret `clientSecret`) and,
   * for `id_jag`, at the server's authorization server (`upstreamClientId`, `upstreamClientSecret`).
   */
  private exchangeClient(installation: PreparedInstallation): ExchangeClient | undefined {
    const values = { ...installation.config, ...this.secretsOf(installation) };
    const clientId = values.clientId;
    if (!clientId) return undefined;
    return {
      clientId,
      ...(values.clientSecret ? { clientSecret: values.clientSecret } : {}),
      ...(values.upstreamClientId ? { upstreamClientId: values.upstreamClientId } : {}),
      ...(values.upstreamClientSecret ? { upstreamClientSecret: values.upstreamClientSecret } : {}),
    };
  }

  private secretsOf(installation: PreparedInstallation): Record<string, string> {
    return installation.credentialsSealed
      ? (JSON.parse(
          openString(this.ring, installation.credentialsSealed, credentialsAad(installation.id)),
        ) as Record<string, string>)
      : {};
  }

  private build(upstream: SnapshotUpstream, installation: PreparedInstallation): UpstreamTarget {
    const { transport } = upstream;
    if (transport === 'builtin') throw new Error(`${upstream.name} is built in and has no upstream target`);
    const secrets = installation.credentialsSealed
      ? (JSON.parse(
          openString(this.ring, installation.credentialsSealed, credentialsAad(installation.id)),
        ) as Record<string, string>)
      : {};
    // One pooled upstream session per (installation, credential): a new secret means a new key.
    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify([
          installation.credentialsSealed,
          installation.config,
          upstream.url,
          upstream.command,
          upstream.args,
        ]),
      )
      .digest('base64url')
      .slice(0, 16);
    const target = buildUpstreamTarget(
      `${installation.id}:${fingerprint}`,
      { ...upstream, transport },
      installation,
      secrets,
    );
    // Where runners host self-hosted servers, the pool sends the call there (routeToRunners).
    return transport === 'stdio'
      ? { ...target, runner: { tenantId: installation.tenantId, installationId: installation.id } }
      : target;
  }
}

/**
 * A pass-through caller's target: the installation's, with the caller's bearer token, pooled under
 * a key of that token (one upstream session per token: never shared between callers).
 */
function withForwardedToken(base: UpstreamTarget, token: string): UpstreamTarget {
  const id = createHash('sha256').update(token).digest('base64url').slice(0, 16);
  return {
    ...base,
    key: `${base.key}~pt:${id}`,
    headers: { ...base.headers, authorization: `Bearer ${token}` },
  };
}

/** Client headers named in the gateway's allow-list, minus those never forwarded. */
export function passthroughHeaders(
  allowlist: readonly string[],
  incoming: Record<string, string | string[] | undefined>,
): Record<string, string> | undefined {
  if (allowlist.length === 0) return undefined;
  let out: Record<string, string> | undefined;
  for (const name of allowlist) {
    if (NEVER_FORWARDED_HEADERS.has(name)) continue;
    const value = incoming[name];
    if (value === undefined) continue;
    (out ??= {})[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
