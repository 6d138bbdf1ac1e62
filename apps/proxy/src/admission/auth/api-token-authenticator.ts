import { tokenKey, type Bus } from '@toolgate/bus';
import { hashApiToken, isWellFormedApiToken, API_TOKEN_PREFIX } from '@toolgate/core/api-token';
import type { Logger } from '@toolgate/core/logger';
import {
  findTokenPrincipal,
  tokenProblem,
  touchApiTokens,
  type TokenPrincipal,
} from '@toolgate/db/api-tokens';
import type { DbHandle } from '@toolgate/db/client';
import type { AuthContext, AuthResult, Authenticator } from './principal.ts';
import { TieredLookup } from './tiered-lookup.ts';

interface Options {
  db: DbHandle;
  bus: Bus;
  log: Logger;
  localTtlMs?: number;
  sharedTtlSeconds?: number;
  /** The highest configuration version heard of for a tenant (SnapshotStore): older shared copies are stale. */
  knownVersion?: (tenantId: string) => number;
}

/**
 * `tg_` API tokens. Lookups go in-process LRU → shared cache → Postgres, keyed by the token's
 * SHA-256; revocation drops the cached copies everywhere through the invalidation bus, and
 * expiry is checked on every use against the cached record.
 */
export class ApiTokenAuthenticator implements Authenticator {
  readonly method = 'api_token' as const;
  private readonly records: TieredLookup<TokenPrincipal>;
  /** Tokens used since the last flush: "last used" is written in batches, never per request. */
  private used = new Set<string>();

  constructor(private readonly options: Options) {
    this.records = new TieredLookup({
      bus: options.bus,
      log: options.log,
      what: 'token',
      isStale: (record) => record.configVersion < (options.knownVersion?.(record.tenantId) ?? 0),
      maxEntries: 20_000,
      localTtlMs: options.localTtlMs ?? 30_000,
      sharedTtlSeconds: options.sharedTtlSeconds ?? 300,
    });
  }

  claims(bearer: string): boolean {
    return bearer.startsWith(API_TOKEN_PREFIX);
  }

  /** Writes "last used" for the tokens seen since the previous flush (one UPDATE). */
  async flushUsage(): Promise<void> {
    if (this.used.size === 0) return;
    const ids = [...this.used];
    this.used = new Set();
    try {
      await touchApiTokens(this.options.db.db, ids);
    } catch (err) {
      // Best effort: a missed "last used" is not worth failing or retrying anything for.
      this.options.log.warn({ err: (err as Error).message }, 'could not record token use');
    }
  }

  /** Drops a token's cached record (revocation arrives through the bus). */
  forget(tokenHash: string): void {
    this.records.forget(tokenKey(tokenHash));
  }

  /** Drops every cached record of the tenant's tokens (a missed message, see ConfigSync). */
  forgetTenant(tenantId: string): void {
    this.records.forgetRecords((record) => record.tenantId === tenantId);
  }

  async authenticate(bearer: string, context: AuthContext): Promise<AuthResult> {
    // The checksum rejects typos and guesses without touching any cache or database.
    if (!isWellFormedApiToken(bearer)) return { ok: false, failure: 'malformed' };
    const hash = hashApiToken(bearer);
    let record: TokenPrincipal | null;
    try {
      record = await this.records.get(tokenKey(hash), () => findTokenPrincipal(this.options.db.db, hash));
    } catch (err) {
      this.options.log.error({ err: (err as Error).message }, 'token lookup failed');
      return { ok: false, failure: 'unavailable' };
    }
    if (!record) return { ok: false, failure: 'unknown' };
    // Another tenant's token is refused exactly like an unknown one; so is a token restricted to
    // other gateways (records cached before restrictions existed carry none).
    if (record.tenantId !== context.tenantId) return { ok: false, failure: 'wrong_tenant' };
    if (record.gatewayIds && !record.gatewayIds.includes(context.gatewayId))
      return { ok: false, failure: 'wrong_gateway' };
    const problem = tokenProblem(record);
    if (problem) return { ok: false, failure: problem };
    if (!record.capabilities.includes('mcp')) return { ok: false, failure: 'no_mcp_capability' };
    this.used.add(record.tokenId);
    return {
      ok: true,
      principal: {
        id: `token:${record.tokenId}`,
        tenantId: record.tenantId,
        authMethod: 'api_token',
        tokenId: record.tokenId,
        userId: record.userId,
        ...(record.userEmail ? { email: record.userEmail } : {}),
        ...(record.userRole ? { role: record.userRole } : {}),
        teamIds: record.teamIds,
        orgWide: record.scope === 'org' || record.userRole === 'owner' || record.userRole === 'admin',
      },
    };
  }
}
