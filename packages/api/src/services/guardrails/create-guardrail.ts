import { randomUUID } from 'node:crypto';
import type { Bus } from '@toolgate/bus';
import type { KeyRing } from '@toolgate/core/crypto';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { guardrailGateways, guardrails } from '@toolgate/db/schema';
import { count, eq } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../../actor.ts';
import { deliverChanges } from '../../invalidation.ts';
import { isForeignKeyViolation, isUniqueViolation } from '../../pg-errors.ts';
import {
  MAX_GUARDRAILS,
  ZCreateGuardrailRequest,
  type CreateGuardrailRequest,
  type GuardrailWithSecret,
} from '../../schemas/guardrails.ts';
import { requireGateways } from '../../tenant-refs.ts';
import { parseInput } from '../../validation.ts';
import {
  newSigningSecret,
  recordGuardrailChange,
  requireExternalUrl,
  requireValidPatterns,
  sealSigningSecret,
} from './guardrail-rules.ts';
import { gatewayGone, guardrailNameTaken, toGuardrail } from './guardrail-view.ts';

export interface CreateGuardrailOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  /** TOOLGATE_SECRET_KEYS: seals an external endpoint's signing secret. */
  secretKeys?: KeyRing;
  /** TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: an external endpoint may be private (and http on localhost). */
  allowPrivate: boolean;
  input: CreateGuardrailRequest;
}

/**
 * Adds a guardrail (owners and admins). Its patterns must compile; its gateways must be the
 * workspace's (`gatewayIds: null`: every gateway); an external endpoint must pass the SSRF rule
 * and gets a new signing secret, stored sealed and answered this once. The gateways it applies to
 * are recompiled on every proxy.
 */
export async function createGuardrail({
  db,
  bus,
  tenantId,
  actor,
  secretKeys,
  allowPrivate,
  input,
}: CreateGuardrailOptions): Promise<GuardrailWithSecret> {
  requireAdmin(actor, 'create guardrails');
  const g = parseInput(ZCreateGuardrailRequest, input);
  requireValidPatterns(g.patterns);
  if (g.external) await requireExternalUrl(g.external.url, allowPrivate);
  if (g.gatewayIds) await requireGateways(db, tenantId, g.gatewayIds);
  const [existing] = await db
    .select({ n: count() })
    .from(guardrails)
    .where(eq(guardrails.tenantId, tenantId));
  if ((existing?.n ?? 0) >= MAX_GUARDRAILS)
    throw new AppError('CONFLICT', `A workspace may have at most ${MAX_GUARDRAILS} guardrails`);

  const id = randomUUID();
  const signingSecret = g.external ? newSigningSecret() : undefined;
  const secretSealed = signingSecret ? sealSigningSecret(secretKeys, signingSecret, id) : null;

  let result: {
    row: typeof guardrails.$inferSelect;
    recorded: Awaited<ReturnType<typeof recordGuardrailChange>>;
  };
  try {
    result = await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(guardrails)
        .values({
          id,
          tenantId,
          name: g.name,
          description: g.description,
          enabled: g.enabled,
          allGateways: g.gatewayIds === null,
          direction: g.direction,
          detectors: g.detectors,
          patterns: g.patterns,
          action: g.action,
          externalUrl: g.external?.url ?? null,
          externalSecretSealed: secretSealed,
          ...(g.external
            ? { externalTimeoutMs: g.external.timeoutMs, externalFailMode: g.external.failMode }
            : {}),
          createdBy: actor.userId,
        })
        .returning();
      if (g.gatewayIds)
        await tx
          .insert(guardrailGateways)
          .values(g.gatewayIds.map((gatewayId) => ({ tenantId, guardrailId: id, gatewayId })));
      const place = { allGateways: g.gatewayIds === null, gatewayIds: g.gatewayIds ?? [] };
      return {
        row: row!,
        recorded: g.enabled ? await recordGuardrailChange(tx, tenantId, [place], 'guardrail created') : [],
      };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw guardrailNameTaken(g.name);
    if (isForeignKeyViolation(err)) throw gatewayGone();
    throw err;
  }
  await deliverChanges(db, bus, result.recorded);
  const view = toGuardrail(result.row, g.gatewayIds);
  return signingSecret ? { ...view, signingSecret } : view;
}
