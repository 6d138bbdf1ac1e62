import { randomBytes } from 'node:crypto';
import type { PendingConfigChange } from '@toolgate/core/config-change';
import { seal, type KeyRing } from '@toolgate/core/crypto';
import { checkCustomPattern, guardrailSecretAad, type CustomPattern } from '@toolgate/core/dlp';
import { AppError } from '@toolgate/core/errors';
import type { Executor } from '@toolgate/db/config-outbox';
import { endpointUrlIssue } from '../../tenant-endpoint-url.ts';
import { invalidInput, type FieldIssue } from '../../validation.ts';
import { recordPolicyChange, type PolicyPlace } from '../policy-rules.ts';

/**
 * Patterns are checked by the request schema already; checked again here so a service called with
 * anything (a seed, a script) never stores one the proxy could not compile. A bad one is INVALID
 * on `patterns.N.pattern`.
 */
export function requireValidPatterns(patterns: readonly CustomPattern[]): void {
  const fields: FieldIssue[] = [];
  patterns.forEach((p, i) => {
    const check = checkCustomPattern(p.pattern);
    if (!check.ok) fields.push({ path: `patterns.${i}.pattern`, message: check.message });
  });
  if (fields.length > 0) throw invalidInput(fields);
}

/** A guardrail must look for something once the change is applied, as the request schemas say. */
export function requireSomethingToLookFor(g: {
  detectors: readonly unknown[];
  patterns: readonly unknown[];
  hasExternal: boolean;
}): void {
  // `custom` alone stands for patterns: without any it looks for nothing.
  if (g.detectors.some((d) => d !== 'custom') || g.patterns.length > 0 || g.hasExternal) return;
  throw invalidInput([
    { path: 'detectors', message: 'choose at least one detector, a pattern or an external endpoint' },
  ]);
}

/**
 * Why an external guardrail's URL is refused, or undefined: the rule of every endpoint Toolgate
 * sends calls to (tenant-endpoint-url.ts), whose host is resolved through the SSRF guard when
 * saved; the proxy's guard checks every address again when it calls.
 */
export const externalUrlIssue = endpointUrlIssue;

/** INVALID on `external.url` when the URL is refused (see externalUrlIssue). */
export async function requireExternalUrl(value: string, allowPrivate: boolean): Promise<void> {
  const message = await externalUrlIssue(value, allowPrivate);
  if (message) throw invalidInput([{ path: 'external.url', message }]);
}

/** A new signing secret: `tgs_` and 32 random bytes, base64url. */
export const newSigningSecret = (): string => `tgs_${randomBytes(32).toString('base64url')}`;

/** The secret sealed for the guardrail's row; without a key ring nothing can be sealed. */
export function sealSigningSecret(keys: KeyRing | undefined, secret: string, guardrailId: string): string {
  if (!keys) throw new AppError('UNAVAILABLE', 'This server has no secret keys configured');
  return seal(keys, secret, guardrailSecretAad(guardrailId));
}

/** Where a guardrail applies, as stored: every gateway, or the listed ones. */
export type GuardrailPlace = PolicyPlace;

/**
 * Records that the gateways a guardrail applied to before or applies to after a write are stale,
 * as for policies (every gateway when either place is the whole workspace). A place whose
 * guardrail was and stays disabled is in no snapshot and left out by the caller.
 */
export const recordGuardrailChange = (
  tx: Executor,
  tenantId: string,
  places: readonly GuardrailPlace[],
  reason: string,
): Promise<PendingConfigChange[]> => recordPolicyChange(tx, tenantId, places, reason);
