import { AppError } from '@toolgate/core/errors';
import {
  CompiledPolicies,
  type PolicyAction,
  type PolicyCaller,
  type PolicyDecision,
  type PolicyInput,
  type PolicyTool,
  type SnapshotPolicy,
  type ToolPolicies,
} from '@toolgate/core/policy';
import type { GatewaySnapshot } from '@toolgate/core/snapshot';
import { findTokenPrincipalById } from '@toolgate/db/api-tokens';
import type { Database } from '@toolgate/db/client';
import { loadGatewaySnapshot } from '@toolgate/db/gateway-snapshot';
import { auditEvents, gateways, teams, tenants } from '@toolgate/db/schema';
import { findUserPrincipal } from '@toolgate/db/user-principals';
import { and, desc, eq, inArray, isNotNull } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { UUID_PATTERN } from '../schemas/common.ts';
import {
  ZTestPolicyRequest,
  type PolicyTestCall,
  type PolicyTestOutcome,
  type PolicyTestResult,
  type TestPolicyRequest,
} from '../schemas/policy-tester.ts';
import { requireGateways } from '../tenant-refs.ts';
import { loadUsageLabels } from '../usage/usage-labels.ts';
import { parseInput } from '../validation.ts';
import { findPolicyRow } from '../views/policy.ts';
import { requireValidCondition } from './policy-rules.ts';

export interface TestPolicyOptions {
  db: Database;
  tenantId: string;
  /** Owners and admins: the replay shows every caller's calls, as the full audit log does. */
  actor: Actor;
  input: TestPolicyRequest;
}

/** Stands for the draft among the saved policies (never a UUID, so never a saved policy's id). */
const DRAFT_ID = 'draft';

/** What a replay cannot know of a past call, said with every result. */
const ASSUMPTIONS = [
  'Tools are judged as they are defined today (server, annotations, labels), not as they were when called; calls of tools the gateway no longer exposes are skipped.',
  'Arguments are the audited copy: secrets redacted and long values cut, so a condition reading them sees the redacted text.',
  'Callers are judged as they are today (role, email, teams); calls of members who left or tokens since deleted are skipped.',
  'caller.client is the agent recorded with the call (empty for calls recorded before agents were).',
  'Every call is taken in a new session: session.tainted is false and session.labels is empty.',
  'request.time is when the call was made.',
  'Both outcomes are computed now with the same assumptions; "changed" compares them, so it shows the draft’s effect alone. The recorded outcome may differ where policies or sessions differed then.',
];

/**
 * Replays a gateway's last audited tool calls against its enabled policies with and without a
 * draft policy (inserted at its priority; an edited policy replaced by its draft) and says, per
 * call, what each decides and whether the draft changes it. Nothing is called or stored.
 */
export async function testPolicy({
  db,
  tenantId,
  actor,
  input,
}: TestPolicyOptions): Promise<PolicyTestResult> {
  requireAdmin(actor, 'test policies against past calls');
  const { policy: draft, limit, ...request } = parseInput(ZTestPolicyRequest, input);
  const gatewayId = request.gatewayId.toLowerCase();
  requireValidDraftCondition(draft.condition);
  if (draft.gatewayIds) await requireGateways(db, tenantId, draft.gatewayIds, 'policy.gatewayIds');
  if (draft.id) await findPolicyRow(db, tenantId, draft.id);

  const snapshot = await gatewaySnapshot(db, tenantId, gatewayId);
  const saved = snapshot.policies ?? [];
  // The policy being edited gives way to its draft.
  const others = saved.filter((p) => p.id !== draft.id);
  const draftApplies = draft.gatewayIds === null || draft.gatewayIds.includes(gatewayId);
  const draftPolicy: SnapshotPolicy = {
    id: DRAFT_ID,
    name: draft.name,
    priority: draft.priority,
    action: draft.action,
    condition: draft.condition,
    message: draft.message,
  };
  const current = new CompiledPolicies(saved);
  const withDraft = new CompiledPolicies(draftApplies ? [...others, draftPolicy] : others);

  const events = await db
    .select({
      id: auditEvents.id,
      occurredAt: auditEvents.occurredAt,
      principalId: auditEvents.principalId,
      authMethod: auditEvents.authMethod,
      agent: auditEvents.agent,
      toolName: auditEvents.toolName,
      status: auditEvents.status,
      policyOutcome: auditEvents.policyOutcome,
      request: auditEvents.request,
    })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.tenantId, tenantId),
        eq(auditEvents.gatewayId, gatewayId),
        eq(auditEvents.method, 'tools/call'),
        // Calls refused before the caller was known or the tool found never reached the policies.
        isNotNull(auditEvents.toolName),
        isNotNull(auditEvents.principalId),
      ),
    )
    .orderBy(desc(auditEvents.occurredAt), desc(auditEvents.id))
    .limit(limit);

  const tools = toolFacts(snapshot);
  const callers = await callerFacts(
    db,
    tenantId,
    events.map((e) => ({ principalId: e.principalId!, authMethod: e.authMethod ?? '' })),
  );
  const labels = await loadUsageLabels(db, tenantId, { callers: events.map((e) => e.principalId) });
  const gateway = { slug: snapshot.gateway.slug };
  const before = new Narrowed(current, gateway);
  const after = new Narrowed(withDraft, gateway);

  const calls = events.map((event): PolicyTestCall => {
    const base = {
      eventId: event.id,
      occurredAt: event.occurredAt.toISOString(),
      caller: labels.caller(event.principalId),
      tool: event.toolName!,
      recorded: { status: event.status, policyOutcome: event.policyOutcome },
    };
    const skip = (why: string): PolicyTestCall => ({
      ...base,
      current: null,
      withDraft: null,
      changed: false,
      skipped: why,
    });
    const tool = tools.get(event.toolName!);
    if (!tool) return skip('The gateway no longer exposes this tool.');
    const caller = callers.get(callerKey(event.principalId!, event.authMethod ?? ''));
    if (!caller) return skip('The caller is gone (a member who left, or a deleted token).');
    const facts = {
      args: argsOf(event.request),
      caller: { ...caller, client: event.agent ?? '' },
      session: { tainted: false, labels: [] },
      request: { time: event.occurredAt },
    };
    const then = before.decide(tool, facts);
    const now = after.decide(tool, facts);
    return { ...base, current: then, withDraft: now, changed: then.action !== now.action, skipped: null };
  });

  const changes = new Map<string, { from: PolicyAction; to: PolicyAction; count: number }>();
  for (const call of calls) {
    if (!call.changed) continue;
    const from = call.current!.action;
    const to = call.withDraft!.action;
    const key = `${from}>${to}`;
    const entry = changes.get(key) ?? { from, to, count: 0 };
    entry.count++;
    changes.set(key, entry);
  }
  const skipped = calls.filter((c) => c.skipped !== null).length;
  return {
    gatewayId,
    draftApplies,
    assumptions: ASSUMPTIONS,
    counts: {
      calls: calls.length,
      evaluated: calls.length - skipped,
      changed: calls.filter((c) => c.changed).length,
      skipped,
    },
    changes: [...changes.values()].sort((x, y) => y.count - x.count),
    calls,
  };
}

/** As `requireValidCondition`, the field named where the tester's body has it. */
function requireValidDraftCondition(condition: string): void {
  try {
    requireValidCondition(condition);
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'INVALID') throw err;
    const fields = (err.details?.fields ?? []) as { path: string; message: string }[];
    throw new AppError('INVALID', err.message.replace(/^condition:/, 'policy.condition:'), {
      ...err.details,
      fields: fields.map((f) => ({ ...f, path: `policy.${f.path}` })),
    });
  }
}

/** The gateway as the proxy serves it now: its tools and its enabled policies (NOT_FOUND if not the tenant's). */
async function gatewaySnapshot(db: Database, tenantId: string, gatewayId: string): Promise<GatewaySnapshot> {
  const [row] = await db
    .select({ slug: gateways.slug, tenantSlug: tenants.slug })
    .from(gateways)
    .innerJoin(tenants, eq(tenants.id, gateways.tenantId))
    .where(and(eq(gateways.tenantId, tenantId), eq(gateways.id, gatewayId)));
  if (!row)
    throw new AppError('NOT_FOUND', 'Gateway not found', {
      fields: [{ path: 'gatewayId', message: 'gateway not found' }],
    });
  const loaded = await loadGatewaySnapshot(db, row.tenantSlug, row.slug);
  if (loaded.kind !== 'found') throw new AppError('NOT_FOUND', 'Gateway not found');
  return loaded.snapshot;
}

/** What conditions see of each tool the gateway exposes, by exposed name (as the proxy builds it). */
function toolFacts(snapshot: GatewaySnapshot): Map<string, PolicyTool> {
  return new Map(
    snapshot.tools.map((tool) => [
      tool.name,
      {
        name: tool.upstreamName,
        exposedName: tool.name,
        server: snapshot.upstreams[tool.entryId]?.slug ?? '',
        annotations: tool.annotations ?? {},
        labels: tool.labels ?? [],
      },
    ]),
  );
}

const callerKey = (principalId: string, authMethod: string) => `${authMethod}\u0000${principalId}`;

/** `user:<uuid>` → ["user", uuid]; anything else → [prefix, rest]. */
function splitPrincipal(principalId: string): [string, string] {
  const colon = principalId.indexOf(':');
  return colon > 0 ? [principalId.slice(0, colon), principalId.slice(colon + 1)] : ['', principalId];
}

/**
 * Callers as the proxy would see them today, looked up in this tenant only: members by user id
 * (role, email, teams), API tokens by id (their user's facts for a personal token, the team for a
 * team token), pass-through subjects with nothing but the method. Missing: gone.
 */
async function callerFacts(
  db: Database,
  tenantId: string,
  principals: readonly { principalId: string; authMethod: string }[],
): Promise<Map<string, PolicyCaller>> {
  const unique = new Map(principals.map((p) => [callerKey(p.principalId, p.authMethod), p]));
  const found = new Map<string, PolicyCaller & { teamIds: string[] }>();
  await Promise.all(
    [...unique].map(async ([key, { principalId, authMethod }]) => {
      const [kind, id] = splitPrincipal(principalId);
      const base = { authMethod, client: '', tokenId: '', userId: '', email: '', emailDomain: '', role: '' };
      if (kind === 'user' && UUID_PATTERN.test(id)) {
        const user = await findUserPrincipal(db, tenantId, id.toLowerCase());
        if (user)
          found.set(key, {
            ...base,
            ...personFacts(user.userId, user.email, user.role),
            teams: [],
            teamIds: user.teamIds,
          });
      } else if (kind === 'token' && UUID_PATTERN.test(id)) {
        const token = await findTokenPrincipalById(db, tenantId, id.toLowerCase());
        // A personal token whose person left the workspace is refused (not_member): gone.
        if (token && !(token.scope === 'user' && !token.userRole))
          found.set(key, {
            ...base,
            ...(token.userId ? personFacts(token.userId, token.userEmail, token.userRole ?? undefined) : {}),
            tokenId: token.tokenId,
            teams: [],
            teamIds: token.teamIds,
          });
      } else if (kind === 'subject') {
        found.set(key, { ...base, teams: [], teamIds: [] });
      }
    }),
  );
  const teamIds = [...new Set([...found.values()].flatMap((c) => c.teamIds))];
  const slugs = new Map(
    teamIds.length === 0
      ? []
      : (
          await db
            .select({ id: teams.id, slug: teams.slug })
            .from(teams)
            .where(and(eq(teams.tenantId, tenantId), inArray(teams.id, teamIds)))
        ).map((t) => [t.id, t.slug]),
  );
  return new Map(
    [...found].map(([key, { teamIds: ids, ...caller }]) => [
      key,
      { ...caller, teams: ids.map((id) => slugs.get(id) ?? id) },
    ]),
  );
}

function personFacts(userId: string, email: string | undefined, role: string | undefined) {
  const address = email ?? '';
  return {
    userId,
    email: address,
    emailDomain: address.includes('@') ? address.slice(address.lastIndexOf('@') + 1).toLowerCase() : '',
    role: role ?? '',
  };
}

/** The audited arguments as the map conditions read (anything else: no arguments). */
const argsOf = (request: unknown): Record<string, unknown> =>
  request !== null && typeof request === 'object' && !Array.isArray(request)
    ? (request as Record<string, unknown>)
    : {};

/** A policy set narrowed per tool once (as the proxy does), then decided per call. */
class Narrowed {
  private readonly byTool = new Map<string, ToolPolicies>();

  constructor(
    private readonly compiled: CompiledPolicies,
    private readonly gateway: { slug: string },
  ) {}

  decide(tool: PolicyTool, facts: Omit<PolicyInput, 'tool' | 'gateway'>): PolicyTestOutcome {
    let narrowed = this.byTool.get(tool.exposedName);
    if (!narrowed) {
      narrowed = this.compiled.forTool(tool, this.gateway);
      this.byTool.set(tool.exposedName, narrowed);
    }
    const decision: PolicyDecision = narrowed.decide({ tool, gateway: this.gateway, ...facts });
    const policy = decision.policy;
    const draft = policy?.id === DRAFT_ID;
    return {
      action: decision.action,
      policy: policy ? { id: draft ? null : policy.id, name: policy.name, draft } : null,
      error: decision.error ?? null,
    };
  }
}
