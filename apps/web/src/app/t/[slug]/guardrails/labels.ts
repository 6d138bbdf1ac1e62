import type { AppRouter } from '@toolgate/api/trpc/root';
import type {
  DetectorName,
  GuardrailAction,
  GuardrailDirection,
  GuardrailFailMode,
} from '@toolgate/core/dlp';
import type { inferRouterOutputs } from '@trpc/server';

type Outputs = inferRouterOutputs<AppRouter>;
export type Guardrail = Outputs['guardrails']['get'];
/** Create and update answer this: `signingSecret` only when one was just made. */
export type GuardrailWithSecret = Outputs['guardrails']['create'];

/** The built-in detectors a guardrail can choose; `custom` stands for its own patterns. */
export type BuiltInDetector = Exclude<DetectorName, 'custom'>;

export const DETECTORS: readonly { name: BuiltInDetector; label: string; hint: string }[] = [
  {
    name: 'secret',
    label: 'Secrets',
    hint: 'Bearer tokens, provider API keys, JWTs, private keys, passwords in URLs, and credential-like values under keys such as password or api_key',
  },
  {
    name: 'email',
    label: 'Email addresses',
    hint: 'As people write them (no quoted or Unicode local parts)',
  },
  {
    name: 'phone',
    label: 'Phone numbers',
    hint: 'With a + country code, an area code or a trunk 0; bare runs of digits are not matched',
  },
  { name: 'card', label: 'Payment card numbers', hint: 'Known issuer prefixes and lengths, Luhn-checked' },
  { name: 'iban', label: 'IBANs', hint: 'Country length and mod-97 checksum verified' },
  { name: 'us_ssn', label: 'US Social Security numbers', hint: 'AAA-GG-SSSS, without ranges never issued' },
  { name: 'ip', label: 'IP addresses', hint: 'IPv4 and IPv6' },
];

export const DIRECTION_LABELS: Record<GuardrailDirection, string> = {
  arguments: 'Arguments',
  results: 'Results',
  both: 'Arguments and results',
};

export const DIRECTION_HINTS: Record<GuardrailDirection, string> = {
  arguments: 'What a caller sends to the tool, before it reaches the server.',
  results: 'What the tool answers, before it reaches the caller.',
  both: 'What a caller sends to the tool and what the tool answers.',
};

export const ACTION_LABELS: Record<GuardrailAction, string> = {
  log: 'Log only',
  redact: 'Redact',
  block: 'Block',
};

export const ACTION_HINTS: Record<GuardrailAction, string> = {
  log: 'Records what was found in the audit log and forwards the call unchanged.',
  redact:
    'Replaces each match in what is forwarded with a typed placeholder, such as [REDACTED:card] or [REDACTED:custom:<pattern name>].',
  block: 'Refuses the call with a tool error that names the detector that matched.',
};

export const ACTION_TONES = { log: 'slate', redact: 'amber', block: 'red' } as const;

export const FAIL_MODE_LABELS: Record<GuardrailFailMode, string> = {
  closed: 'Closed: refuse the call',
  open: 'Open: let the call go on',
};

/** The built-in detectors a guardrail runs, in the form's order. */
export const detectorLabels = (detectors: readonly DetectorName[]): string[] =>
  DETECTORS.filter((d) => detectors.includes(d.name)).map((d) => d.label);

/** "Email addresses, Payment card numbers, 2 patterns", for the table. */
export function lookingFor(g: Pick<Guardrail, 'detectors' | 'patterns'>): string {
  const parts = detectorLabels(g.detectors);
  const n = g.patterns.length;
  if (n > 0) parts.push(n === 1 ? `pattern ${g.patterns[0]!.name}` : `${n} patterns`);
  return parts.join(', ');
}

/** The endpoint's host (and port), or the URL itself if it does not parse. */
export function endpointHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
