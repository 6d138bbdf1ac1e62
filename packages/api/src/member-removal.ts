import { invalidateToken, invalidateUser, type Bus } from '@toolgate/bus';
import { apiTokens, memberships, teamMembers } from '@toolgate/db/schema';
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '@toolgate/db/client';
import type { Tx } from './workspace-lock.ts';

/**
 * Takes a user out of one workspace (inside the caller's transaction): their team memberships
 * there, their own API tokens there (revoked, so they stop working), then the membership.
 * Returns the revoked tokens' hashes for `forgetMember` once the transaction commits.
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
  await tx.delete(memberships).where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId)));
  return revoked.map((t) => t.tokenHash);
}

/**
 * Every proxy replica drops its cached copy of these tokens and of the member's principal (OAuth
 * and identity-provider callers), and so sees the member's removal or new role at once.
 */
export async function forgetMember(
  bus: Bus,
  tenantId: string,
  userId: string,
  tokenHashes: string[],
): Promise<void> {
  await Promise.all([
    invalidateUser(bus, { tenantId, userId }),
    ...tokenHashes.map((tokenHash) => invalidateToken(bus, { tenantId, tokenHash })),
  ]);
}

/** Hashes of the member's live personal tokens in this workspace (their cached principals carry the role). */
export async function personalTokenHashes(db: Database, tenantId: string, userId: string): Promise<string[]> {
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
