import type { Executor } from '@toolgate/db/config-outbox';
import { approvalRequests, teamMembers } from '@toolgate/db/schema';
import { and, eq, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import { isAdmin, type Actor } from '../../actor.ts';
import type { ApprovalRow } from '../../views/approval.ts';

/**
 * Who sees and who decides approval requests. Owners and admins: every request of the workspace,
 * and they decide any. A team's maintainers: the requests their team approves, and they decide
 * those. Everyone else: the requests about their own calls (made as themselves or with their own
 * token), read-only.
 */

/** A request waits this long for a decision, then expires. */
export const APPROVAL_PENDING_MS = 24 * 3_600_000;
/** After an approval, the same call retried passes once within this window. */
export const APPROVAL_WINDOW_MS = 15 * 60_000;

/** The session-channel channel a decision is announced on (the proxy holding the call listens). */
export const approvalChannel = (approvalId: string): string => `approval:${approvalId}`;

/** The teams the actor maintains (tokens maintain none). */
export async function maintainedTeamIds(db: Executor, tenantId: string, actor: Actor): Promise<string[]> {
  if (!actor.userId) return [];
  const rows = await db
    .select({ teamId: teamMembers.teamId })
    .from(teamMembers)
    .where(
      and(
        eq(teamMembers.tenantId, tenantId),
        eq(teamMembers.userId, actor.userId),
        eq(teamMembers.role, 'maintainer'),
      ),
    );
  return rows.map((r) => r.teamId);
}

/** Requests the actor may decide (whatever their status). */
function decidableBy(actor: Actor, maintained: readonly string[]): SQL {
  if (isAdmin(actor)) return sql`true`;
  if (maintained.length === 0) return sql`false`;
  return and(
    eq(approvalRequests.approvers, 'team'),
    inArray(approvalRequests.approverTeamId, [...maintained]),
  )!;
}

/** Requests the actor may read: those they may decide, and those about their own calls. */
export function visibleTo(actor: Actor, maintained: readonly string[]): SQL {
  if (isAdmin(actor)) return sql`true`;
  const own = [
    actor.userId ? eq(approvalRequests.callerUserId, actor.userId) : undefined,
    actor.tokenId ? eq(approvalRequests.principalId, `token:${actor.tokenId}`) : undefined,
  ].filter((c) => c !== undefined);
  return or(decidableBy(actor, maintained), ...own)!;
}

/** Pending requests the actor may decide (the inbox badge). */
export const decidablePending = (actor: Actor, maintained: readonly string[]): SQL =>
  and(eq(approvalRequests.status, 'pending'), decidableBy(actor, maintained))!;

/** Whether the actor may decide this request (its status aside). */
export function mayDecide(row: ApprovalRow, actor: Actor, maintained: readonly string[]): boolean {
  if (isAdmin(actor)) return true;
  return row.approvers === 'team' && row.approverTeamId !== null && maintained.includes(row.approverTeamId);
}

/** Whether the actor may decide this request now: a pending one they are an approver of. */
export const canDecideNow = (row: ApprovalRow, actor: Actor, maintained: readonly string[], now: Date) =>
  row.status === 'pending' && row.expiresAt > now && mayDecide(row, actor, maintained);

/**
 * Marks the tenant's pending requests past their expiry `expired` (lazily, before each read:
 * nothing else needs them marked sooner). `where` narrows it to some requests.
 */
export async function expirePending(db: Executor, tenantId: string, now: Date, where?: SQL): Promise<void> {
  await db
    .update(approvalRequests)
    .set({ status: 'expired' })
    .where(
      and(
        eq(approvalRequests.tenantId, tenantId),
        eq(approvalRequests.status, 'pending'),
        lte(approvalRequests.expiresAt, now),
        where,
      ),
    );
}
