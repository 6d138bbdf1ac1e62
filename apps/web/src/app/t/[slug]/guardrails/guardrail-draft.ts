import {
  checkCustomPattern,
  DEFAULT_EXTERNAL_TIMEOUT_MS,
  MAX_EXTERNAL_TIMEOUT_MS,
  type GuardrailAction,
  type GuardrailDirection,
  type GuardrailFailMode,
} from '@toolgate/core/dlp';
import type { BuiltInDetector, Guardrail } from './labels';

const MIN_TIMEOUT_MS = 100;
/** The API's rule for a pattern's name (it is shown in placeholders and findings). */
const PATTERN_NAME = /^[A-Za-z0-9][\w.-]{0,39}$/;

export interface PatternDraft {
  /** Keeps a row's inputs (and focus) in place when rows above it are removed. */
  key: number;
  name: string;
  pattern: string;
}

/** The form's fields as typed (the timeout as text until it is checked). */
export interface GuardrailDraft {
  name: string;
  description: string;
  /** Every gateway of the workspace, those created later too. */
  allGateways: boolean;
  gatewayIds: string[];
  direction: GuardrailDirection;
  detectors: BuiltInDetector[];
  patterns: PatternDraft[];
  action: GuardrailAction;
  enabled: boolean;
  /** Whether an external guardrail is called. */
  external: boolean;
  url: string;
  timeoutMs: string;
  failMode: GuardrailFailMode;
}

/**
 * Messages by the API's field path: `name`, `gatewayIds`, `detectors`, `patterns` (the list),
 * `patterns.0.pattern`, `external.url`, …
 */
export type DraftErrors = Partial<Record<string, string>>;

let nextKey = 0;
export const patternRow = (name = '', pattern = ''): PatternDraft => ({ key: ++nextKey, name, pattern });

export const emptyDraft = (): GuardrailDraft => ({
  name: '',
  description: '',
  allGateways: true,
  gatewayIds: [],
  direction: 'both',
  detectors: [],
  patterns: [],
  action: 'redact',
  enabled: true,
  external: false,
  url: '',
  timeoutMs: String(DEFAULT_EXTERNAL_TIMEOUT_MS),
  failMode: 'closed',
});

export function draftOf(g: Guardrail): GuardrailDraft {
  return {
    name: g.name,
    description: g.description,
    allGateways: g.gatewayIds === null,
    gatewayIds: g.gatewayIds ?? [],
    direction: g.direction,
    detectors: g.detectors.filter((d): d is BuiltInDetector => d !== 'custom'),
    patterns: g.patterns.map((p) => patternRow(p.name, p.pattern)),
    action: g.action,
    enabled: g.enabled,
    external: g.external !== null,
    url: g.external?.url ?? '',
    timeoutMs: String(g.external?.timeoutMs ?? DEFAULT_EXTERNAL_TIMEOUT_MS),
    failMode: g.external?.failMode ?? 'closed',
  };
}

function urlProblem(value: string): string | undefined {
  if (!value) return 'Enter the endpoint’s URL';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'Enter a full URL, such as https://guard.example.com/check';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'Use an https:// URL';
  if (url.username || url.password) return 'Leave credentials out of the URL: requests are signed instead';
  return undefined;
}

/** What the browser can tell before asking the server (it checks everything again). */
export function draftErrors(draft: GuardrailDraft): DraftErrors {
  const errors: DraftErrors = {};
  if (!draft.name.trim()) errors.name = 'Give the guardrail a name';
  if (!draft.allGateways && draft.gatewayIds.length === 0)
    errors.gatewayIds = 'Choose at least one gateway, or apply it to all of them';
  if (draft.detectors.length === 0 && draft.patterns.length === 0 && !draft.external)
    errors.detectors = 'Choose at least one detector, add a pattern or call an external guardrail';
  const seen = new Set<string>();
  draft.patterns.forEach((p, i) => {
    const name = p.name.trim();
    if (!PATTERN_NAME.test(name))
      errors[`patterns.${i}.name`] = 'Use 1–40 letters, digits and . _ - (starting with a letter or digit)';
    else if (seen.has(name.toLowerCase())) errors[`patterns.${i}.name`] = 'Another pattern has this name';
    seen.add(name.toLowerCase());
    const check = checkCustomPattern(p.pattern);
    if (!check.ok) errors[`patterns.${i}.pattern`] = check.message;
  });
  if (draft.external) {
    const url = urlProblem(draft.url.trim());
    if (url) errors['external.url'] = url;
    const ms = draft.timeoutMs.trim();
    if (!/^\d+$/.test(ms) || Number(ms) < MIN_TIMEOUT_MS || Number(ms) > MAX_EXTERNAL_TIMEOUT_MS)
      errors['external.timeoutMs'] =
        `Use a whole number of milliseconds from ${MIN_TIMEOUT_MS} to ${MAX_EXTERNAL_TIMEOUT_MS}`;
  }
  return errors;
}

/** The guardrail as the API takes it (create, or the full patch of an update). */
export function guardrailInput(draft: GuardrailDraft) {
  return {
    name: draft.name.trim(),
    description: draft.description,
    gatewayIds: draft.allGateways ? null : draft.gatewayIds,
    direction: draft.direction,
    detectors: draft.detectors,
    patterns: draft.patterns.map((p) => ({ name: p.name.trim(), pattern: p.pattern })),
    action: draft.action,
    enabled: draft.enabled,
    external: draft.external
      ? { url: draft.url.trim(), timeoutMs: Number(draft.timeoutMs.trim()), failMode: draft.failMode }
      : null,
  };
}

/** The fields the form shows messages at (top-level API names). */
const FORM_FIELDS = new Set([
  'name',
  'description',
  'gatewayIds',
  'direction',
  'detectors',
  'patterns',
  'action',
  'enabled',
  'external',
]);

const sentence = (message: string): string => message.charAt(0).toUpperCase() + message.slice(1);

/** `path: message` parts of an error message, as the API words invalid input. */
const ISSUE = /^(?:patch\.)?([A-Za-z]\w*(?:\.\w+)*): ([\s\S]+)$/;
const ISSUE_SEPARATOR = /; (?=(?:patch\.)?[A-Za-z]\w*(?:\.\w+)*: )/;

/**
 * The server's refusal as messages by field path. Its `fields` are keyed by top-level field only
 * (`patterns`, or `patch` for an update), so the full paths (`patterns.2.pattern`) are read from
 * the message, which names each failing path; a field it names nowhere keeps its top-level message.
 * Empty when nothing in the refusal belongs to a field of the form.
 */
export function serverErrors(error: {
  message: string;
  data?: { fields?: Record<string, string | undefined> | null } | null;
}): DraftErrors {
  const errors: DraftErrors = {};
  for (const part of error.message.split(ISSUE_SEPARATOR)) {
    const m = ISSUE.exec(part.trim());
    if (!m) continue;
    const [, path, message] = m as unknown as [string, string, string];
    if (FORM_FIELDS.has(path.split('.')[0]!)) errors[path] ??= sentence(message.replace(/;$/, ''));
  }
  const named = new Set(Object.keys(errors).map((p) => p.split('.')[0]));
  for (const [field, message] of Object.entries(error.data?.fields ?? {}))
    if (message && FORM_FIELDS.has(field) && !named.has(field)) errors[field] = message;
  return errors;
}

/** Whether any message is about this field or something inside it (`patterns` → `patterns.1.name`). */
export const hasErrorUnder = (errors: DraftErrors, field: string): boolean =>
  Object.entries(errors).some(
    ([path, message]) => message && (path === field || path.startsWith(`${field}.`)),
  );

/** The messages without those about this field and everything inside it. */
export function withoutErrorsUnder(errors: DraftErrors, field: string): DraftErrors {
  return Object.fromEntries(
    Object.entries(errors).filter(([path]) => path !== field && !path.startsWith(`${field}.`)),
  );
}
