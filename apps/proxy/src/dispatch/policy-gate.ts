import type { Bus } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import { TtlLru } from '@toolgate/core/lru';
import {
  CompiledPolicies,
  TOOL_LABEL_UNTRUSTED_OUTPUT,
  type PolicyCaller,
  type PolicyDecision,
  type PolicyTool,
  type SnapshotPolicy,
  type ToolPolicies,
} from '@toolgate/core/policy';
import type { SnapshotTool } from '@toolgate/core/snapshot';
import { isStatelessVersion } from '@toolgate/mcp/protocol';
import { DEFAULT_SESSION_TTL_SECONDS } from '@toolgate/mcp/session-token';
import type { PreparedGateway } from '../config/snapshot-store.ts';
import type { CallSession, McpCall, Principal } from '../mcp-call.ts';
import { approveCall, type ApprovalHold, type ApprovalStep } from './approvals.ts';
import type { CallRegistry } from './call-registry.ts';
import type { Responder } from './responder.ts';

/**
 * Tool-call policies on the hot path (docs/policies.md). Per gateway snapshot: the policies are
 * compiled once, narrowed per tool on first use, and a caller's filtered tool list is kept for a
 * while; per call: only the policies that can apply to the tool are evaluated, and the session's
 * labels are read from the bus only when one of those reads `session`. A gateway without
 * policies costs one map lookup per call.
 */

/** How long a stateless caller's labels last (they have no session to end with). */
const STATELESS_LABELS_TTL_SECONDS = 3600;

export type PolicyVerdict =
  { kind: 'go' } | { kind: 'refuse'; text: string } | { kind: 'approve'; policy: SnapshotPolicy };

const GO: PolicyVerdict = { kind: 'go' };

interface GatewayPolicies {
  compiled: CompiledPolicies;
  tools: Map<string, ToolPolicies>;
  /** tools/list entries per caller (the identity the policies can see). */
  listings: TtlLru<string, Record<string, unknown>[]>;
}

/** What a condition sees of a tool. */
export function policyTool(gateway: PreparedGateway, tool: SnapshotTool): PolicyTool {
  return {
    name: tool.upstreamName,
    exposedName: tool.name,
    server: gateway.upstreams.get(tool.entryId)?.slug ?? '',
    annotations: tool.annotations ?? {},
    labels: labelsOf(tool),
  };
}

const labelsOf = (tool: SnapshotTool): string[] => tool.labels ?? [];

/** What a condition sees of the caller. */
export function policyCaller(
  gateway: PreparedGateway,
  principal: Principal,
  session?: CallSession,
): PolicyCaller {
  const email = principal.email ?? '';
  const teamSlugs = gateway.snapshot.teamSlugs ?? {};
  return {
    userId: principal.userId ?? '',
    email,
    emailDomain: email.includes('@') ? email.slice(email.lastIndexOf('@') + 1).toLowerCase() : '',
    role: principal.role ?? '',
    teams: principal.teamIds.map((id) => teamSlugs[id] ?? id),
    authMethod: principal.authMethod,
    client: principal.clientId ?? session?.clientName ?? '',
    tokenId: principal.tokenId ?? '',
  };
}

/** Where a session's tool labels are kept: its id, or for a stateless caller, caller and gateway. */
function labelsKey(call: McpCall): { key: string; ttlSeconds: number } {
  const { principal, gateway } = call.caller;
  if (isStatelessVersion(call.session.protocolVersion))
    return {
      key: `tool-labels:${gateway.snapshot.gateway.id}:${principal.id}`,
      ttlSeconds: STATELESS_LABELS_TTL_SECONDS,
    };
  return { key: `tool-labels:${call.session.key}`, ttlSeconds: DEFAULT_SESSION_TTL_SECONDS };
}

export class PolicyGate {
  private readonly byGateway = new WeakMap<PreparedGateway, GatewayPolicies | null>();

  constructor(
    private readonly bus: Bus,
    private readonly log?: Logger,
    /** Holds calls that admins (or a team's maintainers) must approve; absent: such calls refused. */
    private readonly approvals?: ApprovalHold,
    /** How long a server→client request (the caller's confirmation) waits for the client. */
    private readonly clientRequestTimeoutMs = 120_000,
  ) {}

  /**
   * Whether a call may go: refused (the text for the model), or allowed, once approved when a
   * policy asks for approval (`confirm`: the caller's confirmation, for 2026-07-28 clients, to run
   * inside the call's own input exchange).
   */
  async clearance(input: {
    call: McpCall;
    tool: SnapshotTool;
    params: Record<string, unknown>;
    responder: Responder;
    calls: CallRegistry;
    modern: boolean;
  }): Promise<ApprovalStep> {
    const { call, tool, params } = input;
    const verdict = await this.verdict(call, tool, params.arguments);
    if (verdict.kind === 'refuse') return { go: false, text: verdict.text };
    if (verdict.kind === 'go') return { go: true };
    const token = (params._meta as { progressToken?: unknown } | undefined)?.progressToken;
    return approveCall({
      ...input,
      args: params.arguments,
      policy: verdict.policy,
      hold: this.approvals,
      clientRequestTimeoutMs: this.clientRequestTimeoutMs,
      progressToken: typeof token === 'string' || typeof token === 'number' ? token : undefined,
    });
  }

  private policiesOf(gateway: PreparedGateway): GatewayPolicies | undefined {
    let state = this.byGateway.get(gateway);
    if (state === undefined) {
      const { policies } = gateway.snapshot;
      state =
        policies && policies.length > 0
          ? {
              compiled: new CompiledPolicies(policies),
              tools: new Map(),
              listings: new TtlLru(5_000, 60_000),
            }
          : null;
      this.byGateway.set(gateway, state);
    }
    return state ?? undefined;
  }

  private toolPolicies(gateway: PreparedGateway, state: GatewayPolicies, tool: SnapshotTool): ToolPolicies {
    let narrowed = state.tools.get(tool.name);
    if (!narrowed) {
      narrowed = state.compiled.forTool(policyTool(gateway, tool), { slug: gateway.snapshot.gateway.slug });
      state.tools.set(tool.name, narrowed);
    }
    return narrowed;
  }

  /** The decision for one call; undefined when no policy can apply (nothing was evaluated). */
  async decide(call: McpCall, tool: SnapshotTool, args: unknown): Promise<PolicyDecision | undefined> {
    const { gateway, principal } = call.caller;
    const state = this.policiesOf(gateway);
    if (!state) return undefined;
    const narrowed = this.toolPolicies(gateway, state, tool);
    if (narrowed.empty) return undefined;
    const labels = narrowed.readsSession ? await this.bus.sharedCache.members(labelsKey(call).key) : [];
    return narrowed.decide({
      tool: narrowed.known.tool,
      args:
        args !== null && typeof args === 'object' && !Array.isArray(args)
          ? (args as Record<string, unknown>)
          : {},
      caller: policyCaller(gateway, principal, call.session),
      gateway: narrowed.known.gateway,
      session: { tainted: labels.includes(TOOL_LABEL_UNTRUSTED_OUTPUT), labels },
      request: { time: new Date() },
    });
  }

  /**
   * What the policies say about a call: go on, refuse (the text for the model), or ask for
   * approval. A deny is recorded on the call's audit event here. Policies that cannot be checked
   * (the session's labels unreadable) refuse: a guard never fails open.
   */
  async verdict(call: McpCall, tool: SnapshotTool, args: unknown): Promise<PolicyVerdict> {
    let decision;
    try {
      decision = await this.decide(call, tool, args);
    } catch (err) {
      this.log?.warn({ err: (err as Error).message }, 'policies could not be checked');
      call.usage?.decided('deny:policy_unavailable', true);
      return {
        kind: 'refuse',
        text: 'The gateway could not check its policies for this call right now; try again shortly.',
      };
    }
    if (!decision) return GO;
    if (decision.action === 'allow') {
      if (decision.policy) call.usage?.decided(`allow:${decision.policy.id}`, false);
      return GO;
    }
    if (decision.action === 'require_approval') return { kind: 'approve', policy: decision.policy };
    call.usage?.decided(`deny:policy:${decision.policy.id}`, true);
    return {
      kind: 'refuse',
      text: decision.policy.message || `Refused by the gateway's policy "${decision.policy.name}".`,
    };
  }

  /** A call went through: its tool's labels join the session's (a failure is logged, not fatal). */
  async noteCalled(call: McpCall, tool: SnapshotTool): Promise<void> {
    try {
      await this.called(call, tool);
    } catch (err) {
      this.log?.warn(
        { err: (err as Error).message, tool: tool.name },
        'could not note the labels of a tool called',
      );
    }
  }

  /** A call to a labelled tool went through: its labels join the session's (taint and history). */
  async called(call: McpCall, tool: SnapshotTool): Promise<void> {
    const labels = labelsOf(tool);
    if (labels.length === 0) return;
    const { key, ttlSeconds } = labelsKey(call);
    await this.bus.sharedCache.addToSet(key, labels, ttlSeconds);
  }

  /**
   * Identity-aware listing: `listed` without the tools this caller is denied whatever the
   * arguments (the same list for the same identity, kept a minute per snapshot).
   */
  visible(
    gateway: PreparedGateway,
    principal: Principal,
    session: CallSession | undefined,
    listed: Record<string, unknown>[],
  ): Record<string, unknown>[] {
    const state = this.policiesOf(gateway);
    if (!state) return listed;
    const caller = policyCaller(gateway, principal, session);
    const key = JSON.stringify(caller);
    let visible = state.listings.peek(key);
    if (!visible) {
      visible = listed.filter((entry) => {
        const tool = gateway.toolByName.get(String(entry.name));
        return !tool || !this.toolPolicies(gateway, state, tool).deniedRegardless(caller);
      });
      state.listings.set(key, visible);
    }
    return visible;
  }

  /** Whether this caller may see the tool at all (search results, call_tool's target). */
  hidden(
    gateway: PreparedGateway,
    principal: Principal,
    session: CallSession | undefined,
    tool: SnapshotTool,
  ) {
    const state = this.policiesOf(gateway);
    if (!state) return false;
    return this.toolPolicies(gateway, state, tool).deniedRegardless(
      policyCaller(gateway, principal, session),
    );
  }
}
