import type { Logger } from '@toolgate/core/logger';
import type { ExternalGuardrailRequest, ExternalGuardrailVerdict } from '@toolgate/core/dlp';
import { GUARDRAIL_SIGNATURE_HEADER } from '@toolgate/core/dlp';
import { signBody } from '@toolgate/core/webhook-signature';
import { guardedPost } from '@toolgate/net/guarded-get';
import type { SsrfGuard } from '@toolgate/net/ssrf-guard';

/** The most an external guardrail may answer (a modified result comes back whole). */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export interface ExternalCheck {
  url: URL;
  secret: string;
  timeoutMs: number;
}

/** Why an external guardrail gave no verdict; the fail mode decides what that means. */
export class ExternalGuardrailFailure extends Error {}

/**
 * Asks a tenant's external guardrail about a call's arguments or result: a signed JSON POST
 * through the SSRF guard (checked before connecting and at connect time), within the guardrail's
 * timeout. Answers the verdict, or throws ExternalGuardrailFailure (never with the secret or the
 * value in its message).
 */
export async function askExternalGuardrail(
  check: ExternalCheck,
  request: ExternalGuardrailRequest,
  guard: SsrfGuard,
  log?: Logger,
): Promise<ExternalGuardrailVerdict> {
  const body = JSON.stringify(request);
  let answer;
  try {
    answer = await guardedPost(check.url, body, {
      allowPrivate: false,
      guard,
      timeoutMs: check.timeoutMs,
      maxBytes: MAX_ANSWER_BYTES,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        [GUARDRAIL_SIGNATURE_HEADER]: signBody(check.secret, body),
      },
    });
  } catch (err) {
    log?.warn(
      { guardrailId: request.guardrail.id, host: check.url.host, err: (err as Error).message },
      'external guardrail unreachable',
    );
    throw new ExternalGuardrailFailure((err as Error).message);
  }
  if (answer.status !== 200) {
    log?.warn(
      { guardrailId: request.guardrail.id, host: check.url.host, status: answer.status },
      'external guardrail answered an error',
    );
    throw new ExternalGuardrailFailure(`${check.url.host} answered HTTP ${answer.status}`);
  }
  const verdict = parseVerdict(answer.body);
  if (!verdict) {
    log?.warn(
      { guardrailId: request.guardrail.id, host: check.url.host },
      'external guardrail answer unreadable',
    );
    throw new ExternalGuardrailFailure(`${check.url.host} answered something other than a verdict`);
  }
  return verdict;
}

function parseVerdict(text: string): ExternalGuardrailVerdict | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const answer = parsed as Record<string, unknown>;
  switch (answer.action) {
    case 'allow':
      return { action: 'allow' };
    case 'deny':
      return {
        action: 'deny',
        ...(typeof answer.message === 'string' ? { message: answer.message.slice(0, 1000) } : {}),
      };
    case 'modify':
      return 'value' in answer ? { action: 'modify', value: answer.value } : undefined;
    default:
      return undefined;
  }
}
