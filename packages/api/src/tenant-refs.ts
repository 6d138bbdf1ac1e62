import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { teams } from '@toolgate/db/schema';
import { and, eq, inArray } from 'drizzle-orm';

/** Teams named in a request must be the tenant's; another tenant's team is "not found". */
export async function requireTeams(
  db: Database,
  tenantId: string,
  teamIds: readonly string[],
): Promise<void> {
  const wanted = [...new Set(teamIds)];
  if (wanted.length === 0) return;
  const found = await db
    .select({ id: teams.id })
    .from(teams)
    .where(and(eq(teams.tenantId, tenantId), inArray(teams.id, wanted)));
  const known = new Set(found.map((t) => t.id));
  const missing = wanted.find((id) => !known.has(id));
  if (missing) throw new AppError('NOT_FOUND', `Team ${missing} not found`);
}
