import type { Database } from '@toolgate/db/client';
import type { Actor } from '../../actor.ts';
import type { Guardrail } from '../../schemas/guardrails.ts';
import { findGuardrailRow, loadGuardrailViews } from './guardrail-view.ts';

export interface GetGuardrailOptions {
  db: Database;
  tenantId: string;
  /** Any member may read a guardrail. */
  actor: Actor;
  guardrailId: string;
}

/** One guardrail with its gateways (never its signing secret); another tenant's is NOT_FOUND. */
export async function getGuardrail({ db, tenantId, guardrailId }: GetGuardrailOptions): Promise<Guardrail> {
  const row = await findGuardrailRow(db, tenantId, guardrailId);
  const [view] = await loadGuardrailViews(db, tenantId, [row]);
  return view!;
}
