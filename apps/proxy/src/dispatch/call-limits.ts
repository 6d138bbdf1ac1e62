import { monthlyQuota, type RateLimitBucket, type RateLimitDecision, type RateLimiter } from '@toolgate/bus';
import { effectiveLimits, resolvePlan, type PlansConfig } from '@toolgate/core/plans';
import type { GatewaySnapshot, SnapshotInstallation } from '@toolgate/core/snapshot';
import { RPC } from '@toolgate/mcp/jsonrpc';
import type { Principal } from '../mcp-call.ts';

/**
 * Rate limits and the monthly quota on MCP traffic (issue 18; docs/billing.md "Quotas and rate
 * limits"), counted across every replica by the bus's limiter: one round trip per request, and
 * none at all for tenants whose plan sets no traffic limit (the common self-hosted case).
 *
 * What counts:
 * - The per-minute limits (the tenant's, per token, per user) count every JSON-RPC request. A
 *   request other than tools/call is checked at admission and refused with HTTP 429 and
 *   `Retry-After` before it is dispatched.
 * - tools/call is checked once its installation is known, just before it goes upstream (after
 *   policies, so a call a policy refuses costs nothing), against the per-minute limits, the
 *   tool's own limit on that installation (all callers together) and the monthly quota; a refusal
 *   is a JSON-RPC error the model can relay, naming the limit and when it resets.
 * - "Per token" is the credential: an API token, an OAuth client's grant for one user (client and
 *   user), else the principal. "Per user" applies to callers that are users.
 */

/** The traffic limits of a tenant's plan and overrides; only those set (null = unlimited). */
export interface TrafficLimits {
  plan: string;
  callsPerMonth: number | null;
  callsPerMinute: number | null;
  callsPerMinutePerToken: number | null;
  callsPerMinutePerUser: number | null;
}

/** A refused request: which limit, how many it allows, and when the same call would pass. */
export interface LimitRefusal {
  reason: 'rate_limited' | 'quota_exceeded';
  /** The plan limit (`callsPerMinutePerToken`, …) or `toolCallsPerMinute` for a tool's own limit. */
  limit: (typeof TRAFFIC_KEYS)[number] | 'toolCallsPerMinute';
  max: number;
  retryAfterSeconds: number;
  /** Unix ms. */
  resetAt: number;
  /** For the person or the model: which limit, and when it resets. */
  message: string;
}

const TRAFFIC_KEYS = [
  'callsPerMonth',
  'callsPerMinute',
  'callsPerMinutePerToken',
  'callsPerMinutePerUser',
] as const;

/**
 * The traffic limits a gateway's tenant is held to with this replica's plans, or undefined when
 * none applies (then no call pays for a check). Tools' own limits are on the installations.
 */
export function trafficLimitsOf(snapshot: GatewaySnapshot, plans: PlansConfig): TrafficLimits | undefined {
  const { plan } = resolvePlan(plans, snapshot.tenant.plan ?? null);
  const { limits } = effectiveLimits(plan, snapshot.tenant.limitOverrides ?? {});
  if (TRAFFIC_KEYS.every((k) => limits[k] === null)) return undefined;
  return {
    plan: plan.name,
    callsPerMonth: limits.callsPerMonth,
    callsPerMinute: limits.callsPerMinute,
    callsPerMinutePerToken: limits.callsPerMinutePerToken,
    callsPerMinutePerUser: limits.callsPerMinutePerUser,
  };
}

/** Whether a gateway has anything to check: plan limits, or a tool limit on one of its installations. */
export const hasToolLimits = (snapshot: GatewaySnapshot): boolean =>
  snapshot.installations.some((i) => i.toolLimits !== undefined);

/** What the limiter needs of a gateway, prepared once per snapshot. */
export interface GatewayLimits {
  tenantId: string;
  traffic?: TrafficLimits;
  /** Some installation has a tool limit. */
  tools: boolean;
}

type Named = LimitRefusal['limit'];

const MINUTE = 60;

export interface CallLimitsOptions {
  /** The clock (unix ms); tests inject one. */
  now?: () => number;
  /** Told of every refusal (metrics, the refusal log). */
  onRefused?: (refusal: LimitRefusal) => void;
}

export class CallLimits {
  readonly #limiter: RateLimiter;
  readonly #now: () => number;
  readonly #onRefused?: (refusal: LimitRefusal) => void;

  constructor(limiter: RateLimiter, { now = Date.now, onRefused }: CallLimitsOptions = {}) {
    this.#limiter = limiter;
    this.#now = now;
    this.#onRefused = onRefused;
  }

  /**
   * A request other than tools/call. Undefined (synchronously) when the gateway's tenant has no
   * per-minute limit, so the common path awaits nothing.
   */
  request(
    limits: GatewayLimits | undefined,
    principal: Principal,
  ): Promise<LimitRefusal | undefined> | undefined {
    const traffic = limits?.traffic;
    if (!traffic) return undefined;
    const buckets: RateLimitBucket[] = [];
    const names: Named[] = [];
    this.#perMinute(limits.tenantId, traffic, principal, buckets, names);
    if (buckets.length === 0) return undefined;
    return this.#check(buckets, names, traffic.plan, undefined);
  }

  /**
   * A tools/call about to go upstream through `installation` (the tool's upstream name), or
   * answered by Toolgate itself (no installation limit then). Undefined when nothing applies.
   */
  toolCall(
    limits: GatewayLimits | undefined,
    principal: Principal,
    installation: SnapshotInstallation | undefined,
    upstreamTool: string,
    /** The name the caller called it by, for the message. */
    shownName = upstreamTool,
  ): Promise<LimitRefusal | undefined> | undefined {
    if (!limits) return undefined;
    const { traffic, tenantId } = limits;
    const toolLimit = limits.tools ? installation?.toolLimits?.[upstreamTool] : undefined;
    if (!traffic && toolLimit === undefined) return undefined;
    const buckets: RateLimitBucket[] = [];
    const names: Named[] = [];
    const now = this.#now();
    // The quota first: once it is spent, that is what every refusal is about.
    if (traffic?.callsPerMonth != null) {
      buckets.push(monthlyQuota(`${tenantId}:month`, traffic.callsPerMonth, now));
      names.push('callsPerMonth');
    }
    if (toolLimit !== undefined && installation) {
      buckets.push({
        key: `${tenantId}:tool:${installation.id}:${upstreamTool}`,
        limit: toolLimit,
        windowSeconds: MINUTE,
      });
      names.push('toolCallsPerMinute');
    }
    if (traffic) this.#perMinute(tenantId, traffic, principal, buckets, names);
    if (buckets.length === 0) return undefined;
    return this.#check(buckets, names, traffic?.plan, shownName, now);
  }

  #perMinute(
    tenantId: string,
    traffic: TrafficLimits,
    principal: Principal,
    buckets: RateLimitBucket[],
    names: Named[],
  ): void {
    if (traffic.callsPerMinutePerToken !== null) {
      buckets.push({
        key: `${tenantId}:token:${tokenOf(principal)}`,
        limit: traffic.callsPerMinutePerToken,
        windowSeconds: MINUTE,
      });
      names.push('callsPerMinutePerToken');
    }
    if (traffic.callsPerMinutePerUser !== null && principal.userId !== null) {
      buckets.push({
        key: `${tenantId}:user:${principal.userId}`,
        limit: traffic.callsPerMinutePerUser,
        windowSeconds: MINUTE,
      });
      names.push('callsPerMinutePerUser');
    }
    if (traffic.callsPerMinute !== null) {
      buckets.push({ key: `${tenantId}:minute`, limit: traffic.callsPerMinute, windowSeconds: MINUTE });
      names.push('callsPerMinute');
    }
  }

  async #check(
    buckets: RateLimitBucket[],
    names: Named[],
    plan: string | undefined,
    tool: string | undefined,
    now = this.#now(),
  ): Promise<LimitRefusal | undefined> {
    const decision = await this.#limiter.check(buckets, 1, now);
    if (decision.allowed) return undefined;
    const index = buckets.findIndex((b) => b.key === decision.key);
    const refusal = refusalOf(names[index] ?? 'callsPerMinute', decision, plan, tool);
    this.#onRefused?.(refusal);
    return refusal;
  }
}

/** The JSON-RPC error's `data` of a refusal: which limit, its value, and when it resets. */
export const limitData = (refusal: LimitRefusal) => ({
  reason: refusal.reason,
  limit: refusal.limit,
  max: refusal.max,
  retryAfterSeconds: refusal.retryAfterSeconds,
  resetAt: new Date(refusal.resetAt).toISOString(),
});

/** A tools/call's answer when a limit refused it: a JSON-RPC error the model can relay. */
export const limitErrorOf = (refusal: LimitRefusal) => ({
  code: RPC.RATE_LIMITED,
  message: refusal.message,
  data: limitData(refusal),
});

/** The credential a caller presented, as the per-token limit counts it. */
function tokenOf(principal: Principal): string {
  if (principal.tokenId) return `api:${principal.tokenId}`;
  if (principal.clientId) return `oauth:${principal.clientId}:${principal.userId ?? principal.id}`;
  return principal.id;
}

const DESCRIBED: Record<Named, string> = {
  callsPerMonth: 'tool calls per month for this workspace',
  callsPerMinute: 'calls per minute for this workspace',
  callsPerMinutePerToken: 'calls per minute for this token',
  callsPerMinutePerUser: 'calls per minute for this user',
  toolCallsPerMinute: 'calls per minute of this tool',
};

function refusalOf(
  limit: Named,
  decision: Extract<RateLimitDecision, { allowed: false }>,
  plan: string | undefined,
  tool: string | undefined,
): LimitRefusal {
  const { retryAfterSeconds, resetAt } = decision;
  const at = new Date(resetAt).toISOString();
  const onPlan = plan ? ` on the "${plan}" plan` : '';
  if (limit === 'callsPerMonth') {
    return {
      reason: 'quota_exceeded',
      limit,
      max: decision.limit,
      retryAfterSeconds,
      resetAt,
      message: `Monthly quota reached: this workspace allows ${decision.limit} ${DESCRIBED[limit].replace(' for this workspace', '')}${onPlan}. Tool calls resume at ${at} (the start of next month, UTC).`,
    };
  }
  const what =
    limit === 'toolCallsPerMinute' && tool
      ? `calls per minute of ${tool} (set by an admin)`
      : `${DESCRIBED[limit]}${onPlan}`;
  return {
    reason: 'rate_limited',
    limit,
    max: decision.limit,
    retryAfterSeconds,
    resetAt,
    message: `Rate limit reached: at most ${decision.limit} ${what}. Try again in ${retryAfterSeconds} s (after ${at}).`,
  };
}
