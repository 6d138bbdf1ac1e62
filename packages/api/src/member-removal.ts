import type { PendingConfigChange } from '@toolgate/core/config-change';
import { recordConfigChange, type Executor } from '@toolgate/db/config-outbox';
import { apiTokens, installations, memberships, teamMembers, upstreamOAuthStates } from '@toolgate/db/schema';
import { and, eq, isNull } from 'drizzle-orm';
import { recordEntryChange } from './invalidation.ts';
import type { Tx } from './workspace-lock.ts';

/**
 * Takes a user out of one workspace (inside the caller's transaction): their team memberships
 * there, their own API tokens there (revoked, so they stop working), their personal installations
 * (with the accounts they connected: Toolgate forgets those tokens), then the membership.
 * Returns the revoked tokens' hashes for `recordMemberChange`.
 */
export async function deleteMembership(tx: Tx, tenantId: string, userId: string): Promise<string[]> {
  await tx.delete(teamMembers).where(and(eq(teamMembers.tenantId, tenantId), eq(teamMembers.userId, userId)));
  const revoked = await tx
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(apiTokens.tenantId, tenantId),
        eq(apiTokens.scope, 'user'),
        eq(apiTokens.userId, userId),
        isNull(apiTokens.revokedAt),
      ),
    )
    .returning({ tokenHash: apiTokens.tokenHash });
  // Sign-ins they started at upstream servers can no longer be completed.
  await tx
    .delete(upstreamOAuthStates)
    .where(and(eq(upstreamOAuthStates.tenantId, tenantId), eq(upstreamOAuthStates.userId, userId)));
  await tx.delete(memberships).where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId)));
  return revoked.map((t) => t.tokenHash);
}

/**
 * The user's personal installations in the workspace go with their membership (their connected
 * accounts cascade): returns the changes that tell the proxies, for `deliverChanges`.
 */
export async function deletePersonalInstallations(
  tx: Tx,
  tenantId: string,
  userId: string,
): Promise<PendingConfigChange[]> {
  const removed = await tx
    .delete(installations)
    .where(
      and(
        eq(installations.tenantId, tenantId),
        eq(installations.scope, 'personal'),
        eq(installations.userId, userId),
      ),
    )
    .returning({ entryId: installations.registryEntryId });
  const changes: PendingConfigChange[] = [];
  for (const entryId of new Set(removed.map((r) => r.entryId)))
    changes.push(...(await recordEntryChange(tx, tenantId, entryId, 'member removed')));
  return changes;
}

/**
 * Records (in the caller's transaction) that every proxy replica must drop its cached copy of
 * these tokens and of the member's principal (OAuth and identity-provider callers), so it sees
 * the member's removal or new role once delivered.
 */
export async function recordMemberChange(
  tx: Executor,
  tenantId: string,
  userId: string,
  tokenHashes: string[],
): Promise<PendingConfigChange[]> {
  return [await recordConfigChange(tx, { tenantId, reason: 'member changed', userId, tokenHashes })];
}

/** Hashes of the member's live personal tokens in this workspace (their cached principals carry the role). */
export async function personalTokenHashes(db: Executor, tenantId: string, userId: string): Promise<string[]> {
  const rows = await db
    .select({ tokenHash: apiTokens.tokenHash })
    .from(apiTokens)
    .where(
      and(
        eq(apiTokens.tenantId, tenantId),
        eq(apiTokens.scope, 'user'),
        eq(apiTokens.userId, userId),
        isNull(apiTokens.revokedAt),
      ),
    );
  return rows.map((r) => r.tokenHash);
}
