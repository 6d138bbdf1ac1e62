import type { Bus } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import type { SnapshotPolicy } from '@toolgate/core/policy';
import type { SnapshotTool } from '@toolgate/core/snapshot';
import type { McpCall } from '../mcp-call.ts';
import type { CallRegistry } from './call-registry.ts';
import type { Responder } from './responder.ts';

/**
 * Calls a `require_approval` policy holds (docs/policies.md, "Approvals").
 *
 * - Approved by the caller: a form-mode elicitation asks them to confirm (tool, arguments, the
 *   policy's message); only an explicit "accept" with the box ticked lets the call go.
 * - Approved by admins or a team's maintainers: the call waits (a request in the Approvals inbox,
 *   decided on the web or over REST, on any replica), keeping a client that sent a progress token
 *   alive with progress notifications; a decision wakes it through the bus. No decision in time:
 *   the model is told the call awaits approval, and the same call (tool, arguments, caller)
 *   retried within 15 minutes of the approval passes once.
 */

/** Asks the client something (a server→client request) and resolves with its result. */
export type AskClient = (method: string, params: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** The control plane's approval requests, as the proxy needs them (packages/api services). */
export interface ApprovalStore {
  /** An approved request for this very call, not used yet: marks it used and says so. */
  consume(call: HeldCallFacts): Promise<boolean>;
  create(call: HeldCallFacts, policy: SnapshotPolicy): Promise<{ id: string }>;
  status(tenantId: string, id: string): Promise<{ status: string; note: string | null } | undefined>;
}

export interface HeldCallFacts {
  tenantId: string;
  gatewayId: string;
  principalId: string;
  /** The member behind the call (their own API token too): they see the request in the inbox. */
  callerUserId: string | null;
  callerLabel: string;
  agent: string;
  toolName: string;
  args: unknown;
}

export type ApprovalOutcome =
  { approved: true; id: string } | { approved: false; id: string; text: string; pending: boolean };

/** Whether the client takes form-mode elicitations (2025-06-18's `{}`, 2025-11-25's `{ form }`). */
export function acceptsFormElicitation(capabilities: Record<string, unknown>): boolean {
  const elicitation = capabilities.elicitation as Record<string, unknown> | undefined;
  if (elicitation === undefined || elicitation === null || typeof elicitation !== 'object') return false;
  return !('url' in elicitation) || 'form' in elicitation;
}

const preview = (value: unknown) => {
  const text = JSON.stringify(value ?? {}, null, 2);
  return text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text;
};

/** Asks the caller to confirm the call; true only for an explicit approval. */
export async function confirmWithCaller(
  ask: AskClient,
  tool: SnapshotTool,
  args: unknown,
  policy: SnapshotPolicy,
): Promise<boolean> {
  const answer = await ask('elicitation/create', {
    mode: 'form',
    message: `${policy.message || `The gateway's policy "${policy.name}" asks you to confirm this call.`}\n\nTool: ${tool.name}\nArguments:\n${preview(args)}`,
    requestedSchema: {
      type: 'object',
      properties: {
        approve: {
          type: 'boolean',
          title: `Run ${tool.name}`,
          description: 'Tick to let this call go through.',
        },
      },
      required: ['approve'],
    },
  });
  const content = answer.content as { approve?: unknown } | undefined;
  return answer.action === 'accept' && content?.approve === true;
}

export interface ApprovalHoldOptions {
  bus: Bus;
  store: ApprovalStore;
  log?: Logger;
  /** How long a held call waits for a decision. */
  holdMs: number;
  /** How often a waiting client with a progress token hears from the gateway. */
  progressEveryMs?: number;
}

/** Holds calls for admins' (or a team's maintainers') approval. */
export class ApprovalHold {
  constructor(private readonly options: ApprovalHoldOptions) {}

  async wait(
    facts: HeldCallFacts,
    policy: SnapshotPolicy,
    responder: Responder,
    progressToken: string | number | undefined,
  ): Promise<ApprovalOutcome> {
    const { store, bus, holdMs } = this.options;
    if (await store.consume(facts)) return { approved: true, id: 'earlier' };
    const { id } = await store.create(facts, policy);
    let settle!: (decision: { status: string; note: string | null }) => void;
    const decided = new Promise<{ status: string; note: string | null }>((resolve) => (settle = resolve));
    const unsubscribe = await bus.sessions.subscribe(`approval:${id}`, (message) => {
      const m = message as { status?: unknown; note?: unknown };
      if (typeof m.status === 'string')
        settle({ status: m.status, note: typeof m.note === 'string' ? m.note : null });
    });
    // Decided before we listened: the row says so.
    const now = await store.status(facts.tenantId, id);
    if (now && now.status !== 'pending') settle(now);
    let ticks = 0;
    const ticker =
      progressToken !== undefined && responder.canStream
        ? setInterval(() => {
            responder.send({
              jsonrpc: '2.0',
              method: 'notifications/progress',
              params: { progressToken, progress: ++ticks, message: `Waiting for approval (request ${id})` },
            });
          }, this.options.progressEveryMs ?? 10_000)
        : undefined;
    let timer: NodeJS.Timeout | undefined;
    // The client went away: nobody is waiting any more (the request stays in the inbox).
    const gone = new Promise<undefined>((resolve) => responder.onAbort(() => resolve(undefined)));
    const timeout = new Promise<undefined>(
      (resolve) => (timer = setTimeout(() => resolve(undefined), holdMs)),
    );
    try {
      const decision = await Promise.race([decided, timeout, gone]);
      if (!decision)
        return {
          approved: false,
          id,
          pending: true,
          text: `This call awaits approval (request ${id}): "${policy.name}". Once an approver has approved it, make the same call again (same tool and arguments) within 15 minutes and it will go through.`,
        };
      if (decision.status === 'approved') {
        // This held call uses the approval: a retry of it does not pass a second time.
        await store.consume(facts);
        return { approved: true, id };
      }
      const note = decision.note ? ` Note from the approver: ${decision.note}` : '';
      return {
        approved: false,
        id,
        pending: false,
        text: `This call was not approved (request ${id}, ${decision.status}).${note}`,
      };
    } finally {
      clearTimeout(timer);
      if (ticker) clearInterval(ticker);
      await unsubscribe().catch(() => undefined);
    }
  }
}

/** A tools/call result that reports a failure to the model. */
const toolErrorResult = (text: string) => ({ content: [{ type: 'text', text }], isError: true });

export type ApprovalStep =
  | { go: true; confirm?: (ask: AskClient) => Promise<Record<string, unknown> | undefined> }
  | { go: false; text: string };

/**
 * Gets a held call approved, as its policy says, and records the outcome on the call's audit
 * event. `confirm`: for 2026-07-28 clients, the caller's confirmation runs inside the call's own
 * multi-round-trip exchange (the tool caller puts it before the upstream request), since each
 * round is a request of its own.
 */
export async function approveCall(input: {
  call: McpCall;
  tool: SnapshotTool;
  args: unknown;
  policy: SnapshotPolicy;
  responder: Responder;
  calls: CallRegistry;
  modern: boolean;
  hold: ApprovalHold | undefined;
  clientRequestTimeoutMs: number;
  progressToken: string | number | undefined;
}): Promise<ApprovalStep> {
  const { call, tool, args, policy, responder } = input;
  const usage = call.usage;
  const approvers = policy.approvers ?? { kind: 'caller' };
  if (approvers.kind === 'caller') {
    if (!acceptsFormElicitation(call.session.clientCapabilities) || (!input.modern && !responder.canStream)) {
      usage?.decided(`deny:needs_confirmation:${policy.id}`, true);
      return {
        go: false,
        text: `This call needs your confirmation ("${policy.name}"), which your client cannot show: it does not take elicitation requests. Use a client that does, or ask an admin.`,
      };
    }
    const declined = `You did not confirm this call ("${policy.name}"); it was not made.`;
    if (input.modern)
      return {
        go: true,
        confirm: async (ask) => {
          if (await confirmWithCaller(ask, tool, args, policy)) {
            usage?.decided(`approved:caller:${policy.id}`, false);
            return undefined;
          }
          usage?.decided(`deny:declined:${policy.id}`, true);
          return toolErrorResult(declined);
        },
      };
    const ask: AskClient = (method, params) => {
      const pending = input.calls.awaitClient(call.session.key, input.clientRequestTimeoutMs);
      responder.send({ jsonrpc: '2.0', id: pending.id, method, params });
      return pending.response;
    };
    if (await confirmWithCaller(ask, tool, args, policy)) {
      usage?.decided(`approved:caller:${policy.id}`, false);
      return { go: true };
    }
    usage?.decided(`deny:declined:${policy.id}`, true);
    return { go: false, text: declined };
  }
  if (!input.hold) {
    usage?.decided(`deny:approval_unavailable:${policy.id}`, true);
    return {
      go: false,
      text: 'This call needs an approval this gateway cannot ask for right now; try again shortly.',
    };
  }
  const { principal, gateway } = call.caller;
  const outcome = await input.hold.wait(
    {
      tenantId: gateway.snapshot.tenant.id,
      gatewayId: gateway.snapshot.gateway.id,
      principalId: principal.id,
      callerUserId: principal.userId,
      callerLabel: principal.email ?? principal.id,
      agent: principal.clientId ?? call.session.clientName ?? '',
      toolName: tool.name,
      args,
    },
    policy,
    responder,
    input.progressToken,
  );
  if (outcome.approved) {
    usage?.decided(`approved:${outcome.id}`, false);
    return { go: true };
  }
  usage?.decided(
    outcome.pending ? `pending_approval:${outcome.id}` : `deny:approval:${outcome.id}`,
    !outcome.pending,
  );
  return { go: false, text: outcome.text };
}
