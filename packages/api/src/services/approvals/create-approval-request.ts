import { canonicalArgsHash } from '@toolgate/core/approval-hash';
import { AppError } from '@toolgate/core/errors';
import type { PolicyApprovers } from '@toolgate/core/policy';
import type { Database } from '@toolgate/db/client';
import { approvalRequests } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { isForeignKeyViolation } from '../../pg-errors.ts';
import { UUID_PATTERN } from '../../schemas/common.ts';
import { APPROVAL_PENDING_MS, expirePending } from './approval-access.ts';
import { recordApprovalAnnouncements } from './approval-announcements.ts';
import { redactedJson, storableText } from './stored-json.ts';

/** How much of the arguments a request keeps for people to read (JSON characters). */
const ARGS_MAX_CHARS = 8_192;

export interface CreateApprovalRequestOptions {
  db: Database;
  tenantId: string;
  gatewayId: string;
  /** The policy that held the call, as the snapshot carries it. */
  policy: { id: string | null; name: string; message: string; approvers: PolicyApprovers };
  /** The name the caller used (the gateway's exposed name). */
  toolName: string;
  /** The raw arguments: only a redacted copy is stored. */
  args: unknown;
  /** canonicalArgsHash(args) when the caller has it already; computed otherwise. */
  argsHash?: string;
  /** `user:<id>`, `token:<id>`, … (the proxy's principal id). */
  principalId: string;
  /** The member behind the call (their own token too): they see the request. Derived from `user:<id>`. */
  callerUserId?: string | null;
  /** An email address or a token's name, for people. */
  callerLabel?: string;
  /** The client's name (OAuth client or declared); '' when unknown. */
  agent?: string;
  now?: Date;
}

export interface CreatedApprovalRequest {
  id: string;
  /** False when the same call (gateway, caller, tool, arguments) was already waiting: its request. */
  created: boolean;
  expiresAt: Date;
}

const userIdOf = (principalId: string): string | null => {
  const id = principalId.startsWith('user:') ? principalId.slice(5) : '';
  return UUID_PATTERN.test(id) ? id.toLowerCase() : null;
};

const constraintOf = (err: unknown): string => {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 3; depth++) {
    const constraint = (e as { constraint?: unknown }).constraint;
    if (typeof constraint === 'string') return constraint;
    e = (e as { cause?: unknown }).cause;
  }
  return '';
};

/**
 * Stores a call a `require_approval` policy held for the workspace's admins or a team's
 * maintainers, pending for 24 hours, with its announcements (the approvers' email and the
 * workspace's webhook, sent by a worker: the same way whichever process holds the call). The same
 * call already waiting (same gateway, caller, tool and arguments) is not asked twice: its request
 * is answered (`created: false`), and announced no more. A policy or team deleted meanwhile is
 * forgotten on the request (owners and admins then decide); a gateway deleted meanwhile is
 * NOT_FOUND. Caller-approved policies store nothing: INVALID.
 */
export async function createApprovalRequest(
  options: CreateApprovalRequestOptions,
): Promise<CreatedApprovalRequest> {
  const { db, tenantId, gatewayId, policy, toolName, principalId } = options;
  const now = options.now ?? new Date();
  if (policy.approvers.kind === 'caller')
    throw new AppError('INVALID', 'The caller approves this policy’s calls themselves: nothing is stored');
  const argsHash = options.argsHash ?? canonicalArgsHash(options.args);
  const values = {
    tenantId,
    gatewayId,
    policyId: policy.id,
    policyName: storableText(policy.name),
    policyMessage: storableText(policy.message),
    toolName: storableText(toolName),
    args: redactedJson(options.args ?? {}, ARGS_MAX_CHARS),
    argsHash,
    principalId,
    callerUserId: options.callerUserId === undefined ? userIdOf(principalId) : options.callerUserId,
    callerLabel: storableText(options.callerLabel ?? '').slice(0, 320),
    // Declared by the client: anything, of any length.
    agent: storableText(options.agent ?? '').slice(0, 200),
    approvers: policy.approvers.kind,
    approverTeamId: policy.approvers.kind === 'team' ? policy.approvers.teamId : null,
    expiresAt: new Date(now.getTime() + APPROVAL_PENDING_MS),
    createdAt: now,
  };
  const sameCall = and(
    eq(approvalRequests.gatewayId, gatewayId),
    eq(approvalRequests.principalId, principalId),
    eq(approvalRequests.toolName, values.toolName),
    eq(approvalRequests.argsHash, argsHash),
  );

  // A request waiting past its expiry must not stand in for a new one.
  await expirePending(db, tenantId, now, sameCall);
  for (let attempt = 0; attempt < 3; attempt++) {
    let inserted: { id: string; expiresAt: Date } | undefined;
    try {
      // One transaction: a request is announced if and only if it is stored.
      inserted = await db.transaction(async (tx) => {
        const [row] = await tx
          .insert(approvalRequests)
          .values(values)
          .onConflictDoNothing()
          .returning({ id: approvalRequests.id, expiresAt: approvalRequests.expiresAt });
        if (row) await recordApprovalAnnouncements(tx, { tenantId, approvalId: row.id, event: 'requested' });
        return row;
      });
    } catch (err) {
      if (!isForeignKeyViolation(err)) throw err;
      const constraint = constraintOf(err);
      if (constraint.includes('policy_id')) values.policyId = null;
      else if (constraint.includes('approver_team_id')) values.approverTeamId = null;
      else throw new AppError('NOT_FOUND', 'Gateway not found');
      continue;
    }
    if (inserted) return { id: inserted.id, created: true, expiresAt: inserted.expiresAt };
    const [waiting] = await db
      .select({ id: approvalRequests.id, expiresAt: approvalRequests.expiresAt })
      .from(approvalRequests)
      .where(and(eq(approvalRequests.tenantId, tenantId), sameCall, eq(approvalRequests.status, 'pending')));
    // Decided between the insert and this read: try again (a new request).
    if (waiting) return { ...waiting, created: false };
  }
  throw new AppError('CONFLICT', 'The approval request for this call changed while it was being stored');
}
