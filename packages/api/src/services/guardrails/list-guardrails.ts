import type { Database } from '@toolgate/db/client';
import { guardrails } from '@toolgate/db/schema';
import { eq } from 'drizzle-orm';
import type { Actor } from '../../actor.ts';
import type { Guardrail } from '../../schemas/guardrails.ts';
import { loadGuardrailViews } from './guardrail-view.ts';

export interface ListGuardrailsOptions {
  db: Database;
  tenantId: string;
  /** Any member may read the workspace's guardrails (what their calls are scanned for). */
  actor: Actor;
}

/** The workspace's guardrails, ordered by name. */
export async function listGuardrails({ db, tenantId }: ListGuardrailsOptions): Promise<Guardrail[]> {
  const rows = await db.select().from(guardrails).where(eq(guardrails.tenantId, tenantId));
  return loadGuardrailViews(db, tenantId, rows);
}
