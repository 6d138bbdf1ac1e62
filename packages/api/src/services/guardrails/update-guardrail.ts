import type { Bus } from '@toolgate/bus';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Database } from '@toolgate/db/client';
import { guardrailGateways, guardrails } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../../actor.ts';
import { deliverChanges } from '../../invalidation.ts';
import { isForeignKeyViolation, isUniqueViolation } from '../../pg-errors.ts';
import {
  ZUpdateGuardrailRequest,
  type GuardrailWithSecret,
  type UpdateGuardrailRequest,
} from '../../schemas/guardrails.ts';
import { requireGateways } from '../../tenant-refs.ts';
import { invalidInput, parseInput } from '../../validation.ts';
import {
  newSigningSecret,
  recordGuardrailChange,
  requireExternalUrl,
  requireSomethingToLookFor,
  requireValidPatterns,
  sealSigningSecret,
  type GuardrailPlace,
} from './guardrail-rules.ts';
import {
  gatewayGone,
  guardrailGatewayIds,
  guardrailNameTaken,
  guardrailNotFound,
  toGuardrail,
} from './guardrail-view.ts';

export interface UpdateGuardrailOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  /** TOOLGATE_SECRET_KEYS: seals a new signing secret. */
  secretKeys?: KeyRing;
  /** TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: an external endpoint may be private (and http on localhost). */
  allowPrivate: boolean;
  guardrailId: string;
  input: UpdateGuardrailRequest;
}

type ExternalColumns = Pick<
  typeof guardrails.$inferInsert,
  'externalUrl' | 'externalSecretSealed' | 'externalTimeoutMs' | 'externalFailMode'
>;

/**
 * Changes the given fields of a guardrail (owners and admins). `external: null` removes the
 * endpoint and its secret; an endpoint added where there was none, or `rotateSecret`, makes a new
 * signing secret, answered this once; a changed URL keeps the secret. The gateways it applied to
 * and those it applies to now are recompiled on every proxy.
 */
export async function updateGuardrail({
  db,
  bus,
  tenantId,
  actor,
  secretKeys,
  allowPrivate,
  guardrailId,
  input,
}: UpdateGuardrailOptions): Promise<GuardrailWithSecret> {
  requireAdmin(actor, 'change guardrails');
  const { gatewayIds, external, rotateSecret, ...columns } = parseInput(ZUpdateGuardrailRequest, input);
  if (columns.patterns) requireValidPatterns(columns.patterns);
  if (rotateSecret && external === null)
    throw invalidInput([
      { path: 'rotateSecret', message: 'cannot make a secret for an endpoint being removed' },
    ]);
  // Checked before the transaction: resolving the host name is a network call.
  if (external) await requireExternalUrl(external.url, allowPrivate);
  if (gatewayIds) await requireGateways(db, tenantId, gatewayIds);

  let result: {
    view: GuardrailWithSecret;
    recorded: Awaited<ReturnType<typeof recordGuardrailChange>>;
  };
  try {
    result = await db.transaction(async (tx) => {
      const [current] = await tx
        .select()
        .from(guardrails)
        .where(and(eq(guardrails.tenantId, tenantId), eq(guardrails.id, guardrailId)))
        .for('update');
      if (!current) throw guardrailNotFound();
      const hadEndpoint = current.externalUrl !== null && current.externalSecretSealed !== null;
      const hasEndpoint = external === undefined ? hadEndpoint : external !== null;
      if (rotateSecret && !hasEndpoint)
        throw invalidInput([{ path: 'rotateSecret', message: 'this guardrail has no external endpoint' }]);
      requireSomethingToLookFor({
        detectors: columns.detectors ?? current.detectors,
        patterns: columns.patterns ?? current.patterns,
        hasExternal: hasEndpoint,
      });

      let signingSecret: string | undefined;
      let externalColumns: ExternalColumns = {};
      if (external === null) externalColumns = { externalUrl: null, externalSecretSealed: null };
      else if (external)
        externalColumns = {
          externalUrl: external.url,
          externalTimeoutMs: external.timeoutMs,
          externalFailMode: external.failMode,
        };
      if (hasEndpoint && (rotateSecret || !hadEndpoint)) {
        signingSecret = newSigningSecret();
        externalColumns.externalSecretSealed = sealSigningSecret(secretKeys, signingSecret, guardrailId);
      }

      const before: GuardrailPlace = {
        allGateways: current.allGateways,
        gatewayIds: (await guardrailGatewayIds(tx, tenantId, [guardrailId])).get(guardrailId) ?? [],
      };
      const after: GuardrailPlace =
        gatewayIds === undefined
          ? before
          : { allGateways: gatewayIds === null, gatewayIds: gatewayIds ?? [] };
      const [row] = await tx
        .update(guardrails)
        .set({ ...columns, ...externalColumns, allGateways: after.allGateways, updatedAt: new Date() })
        .where(and(eq(guardrails.tenantId, tenantId), eq(guardrails.id, guardrailId)))
        .returning();
      if (gatewayIds !== undefined) {
        await tx
          .delete(guardrailGateways)
          .where(
            and(eq(guardrailGateways.tenantId, tenantId), eq(guardrailGateways.guardrailId, guardrailId)),
          );
        if (gatewayIds)
          await tx
            .insert(guardrailGateways)
            .values(gatewayIds.map((gatewayId) => ({ tenantId, guardrailId, gatewayId })));
      }
      // A guardrail disabled before and after is in no snapshot: nothing for proxies to learn.
      const places = [...(current.enabled ? [before] : []), ...(row!.enabled ? [after] : [])];
      const view = toGuardrail(row!, [...after.gatewayIds]);
      return {
        view: signingSecret ? { ...view, signingSecret } : view,
        recorded: await recordGuardrailChange(tx, tenantId, places, 'guardrail updated'),
      };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw guardrailNameTaken(columns.name ?? '');
    if (isForeignKeyViolation(err)) throw gatewayGone();
    throw err;
  }
  await deliverChanges(db, bus, result.recorded);
  return result.view;
}
