/**
 * `compileDetectors` builds a Scanner once per guardrail (when the snapshot compiles); per call it
 * only scans. Each detector is one pass over a string that skips to its candidates natively
 * (a regular expression or `indexOf` finds them) and validates them in JavaScript: no regex is
 * built per call, and the findings are the only allocation when nothing matches.
 *
 * On JSON values, object values are scanned, never keys: keys are names chosen by the tool's
 * author, and rewriting them would change the shape the client expects. A key does count as
 * context: a string under a key the audit redactor treats as sensitive (`password`, `api_key`,
 * `client_secret`, …) that looks like a credential is a `secret` finding as a whole. The base64
 * payloads of MCP image and audio content (`data`) and of blob resources (`blob`) are not scanned.
 */
import { AppError } from '../errors.ts';
import { isDigit } from './chars.ts';
import { isSensitiveKey } from '../redact.ts';
import { scanColons } from './colons.ts';
import { CustomPatterns } from './custom.ts';
import { scanEmails } from './email.ts';
import { scanIbans } from './iban.ts';
import { type NumberDetectors, scanNumbers } from './numbers.ts';
import { looksLikeCredential, scanTokens } from './secret.ts';
import {
  DETECTOR_NAMES,
  type DetectorConfig,
  type DetectorName,
  type Finding,
  type FindingCounts,
  type RedactResult,
  type Scanner,
} from './types.ts';

/** Values nested deeper than this are refused rather than passed on unscanned. */
export const MAX_DEPTH = 128;

/** Strings up to this length are looked at once before any detector runs (#scanShort). */
const SHORT_TEXT = 128;

/** The shortest text the redactor's token pattern can match (MIN_TOKEN_CHARS in redact.ts). */
const MIN_TOKEN_TEXT = 10;

/** The shortest value a structured credential can have (shorter ones read as words). */
const MIN_KEYED_CREDENTIAL = 8;

export const placeholder = (detector: DetectorName): string => `[REDACTED:${detector}]`;

/** `[REDACTED:custom:<name>]`, with the name reduced to characters that cannot end the marker. */
export const customPlaceholder = (name: string): string =>
  `[REDACTED:custom:${name.replace(/[^\w.-]/g, '_').slice(0, 40)}]`;

export function compileDetectors(config: DetectorConfig): Scanner {
  return new DlpScanner(config);
}

class DlpScanner implements Scanner {
  readonly detectors: readonly DetectorName[];
  readonly #secret: boolean;
  readonly #email: boolean;
  readonly #iban: boolean;
  readonly #colons: { secret: boolean; ipv6: boolean } | undefined;
  readonly #numbers: NumberDetectors | undefined;
  readonly #custom: CustomPatterns | undefined;
  readonly #placeholders = new Map<string, string>();

  constructor(config: DetectorConfig) {
    for (const name of config.detectors) {
      if (!DETECTOR_NAMES.includes(name))
        throw new AppError('INVALID', `Unknown DLP detector "${String(name)}".`);
    }
    const on = new Set(config.detectors);
    this.detectors = DETECTOR_NAMES.filter((name) => name !== 'custom' && on.has(name));
    this.#secret = on.has('secret');
    this.#email = on.has('email');
    this.#iban = on.has('iban');
    this.#colons =
      on.has('secret') || on.has('ip') ? { secret: on.has('secret'), ipv6: on.has('ip') } : undefined;
    const numbers = {
      card: on.has('card'),
      us_ssn: on.has('us_ssn'),
      ip: on.has('ip'),
      phone: on.has('phone'),
    };
    this.#numbers = numbers.card || numbers.us_ssn || numbers.ip || numbers.phone ? numbers : undefined;
    const patterns = config.patterns ?? [];
    this.#custom = patterns.length > 0 ? new CustomPatterns(patterns) : undefined;
    for (const name of DETECTOR_NAMES) this.#placeholders.set(name, placeholder(name));
    for (const { name } of patterns) this.#placeholders.set(`custom:${name}`, customPlaceholder(name));
  }

  scan(text: string): Finding[] {
    return this.scanInto(text, []);
  }

  /** `scan` into `out` (emptied first), so a walk over many strings reuses one array. */
  scanInto(text: string, out: Finding[]): Finding[] {
    if (out.length > 0) out.length = 0;
    if (text.length === 0) return out;
    if (text.length <= SHORT_TEXT) this.#scanShort(text, out);
    else {
      if (this.#secret) scanTokens(text, out);
      if (this.#colons) scanColons(text, this.#colons, out);
      if (this.#email) scanEmails(text, out);
      if (this.#numbers) scanNumbers(text, this.#numbers, out);
      if (this.#iban) scanIbans(text, out);
    }
    this.#custom?.scan(text, out);
    return withoutOverlaps(out);
  }

  /**
   * Most strings in a JSON value are short (names, ids, dates, statuses). One look at their
   * characters tells which detectors could match at all, which costs less than starting each
   * detector's pass.
   */
  #scanShort(text: string, out: Finding[]): void {
    let digits = 0;
    let dots = 0;
    let colons = 0;
    let equals = false;
    let at = false;
    let upper = false;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) digits++;
      else if (c === 46) dots++;
      else if (c === 58) colons++;
      else if (c === 61) equals = true;
      else if (c === 64) at = true;
      else if (c >= 65 && c <= 90) upper = true;
    }
    const length = text.length;
    // ISO timestamps are the commonest short strings with digits and colons, and never a finding.
    const timestamp = digits >= 8 && isTimestamp(text);
    // The shortest match: a redactor token 10 characters, `key: <16-character value>` 18, an IPv6
    // address two colons, an email address an `@`, an IPv4 address 4 digits and 3 dots, any other
    // digit detector 8 digits, an IBAN 15 characters.
    if (this.#secret && length >= MIN_TOKEN_TEXT) scanTokens(text, out);
    const pass = this.#colons;
    if (
      pass &&
      !timestamp &&
      ((pass.ipv6 && colons >= 2) || (pass.secret && (colons > 0 || equals) && length >= 18))
    ) {
      scanColons(text, pass, out);
    }
    if (this.#email && at) scanEmails(text, out);
    if (this.#numbers && !timestamp && (digits >= 8 || (digits >= 4 && dots >= 3))) {
      scanNumbers(text, this.#numbers, out);
    }
    if (this.#iban && upper && digits >= 2 && length >= 15) scanIbans(text, out);
  }

  redact(value: unknown): RedactResult {
    const walk = new Walk(this, true);
    const redacted = walk.value(value, 0);
    return { value: redacted, findings: walk.counts };
  }

  scanValue(value: unknown): FindingCounts {
    const walk = new Walk(this, false);
    walk.value(value, 0);
    return walk.counts;
  }

  /** Whether a string under `key` is a credential as a whole (see the header). */
  keyedSecret(key: string, text: string): boolean {
    return (
      this.#secret && isSensitiveKey(key) && looksLikeCredential(text, 0, text.length, MIN_KEYED_CREDENTIAL)
    );
  }

  placeholderFor(finding: Finding): string {
    const key = finding.pattern === undefined ? finding.detector : `custom:${finding.pattern}`;
    return this.#placeholders.get(key) ?? placeholder(finding.detector);
  }
}

/**
 * Whether `text` is an ISO 8601 date or timestamp and nothing else (`2026-11-03`,
 * `2026-11-03T09:14:22.120Z`, `2026-11-03 09:14:22+01:00`): the commonest short string with many
 * digits, and never a finding.
 */
function isTimestamp(text: string): boolean {
  const length = text.length;
  if (length < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false;
  for (const i of DATE_DIGITS) if (!isDigit(text.charCodeAt(i))) return false;
  if (length === 10) return true;
  const t = text.charCodeAt(10);
  if ((t !== 84 && t !== 32) || !isDigit(text.charCodeAt(11)) || text.charCodeAt(13) !== 58) return false;
  for (let i = 12; i < length; i++) {
    const c = text.charCodeAt(i);
    // Time, fraction and offset: digits, `:`, `.`, `+`, `-`, and a final `Z`.
    if (!(isDigit(c) || c === 58 || c === 46 || c === 43 || c === 45 || (c === 90 && i === length - 1)))
      return false;
  }
  return true;
}

const DATE_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9];

/**
 * Findings ordered by start, overlaps removed: where two detectors claim the same characters, the
 * one that starts first wins, and the longer of two that start together.
 */
function withoutOverlaps(findings: Finding[]): Finding[] {
  if (findings.length < 2) return findings;
  findings.sort((a, b) => a.start - b.start || b.end - a.end);
  let kept = 0;
  let covered = 0;
  for (const finding of findings) {
    if (finding.start < covered) continue;
    findings[kept++] = finding;
    covered = finding.end;
  }
  if (kept < findings.length) findings.length = kept;
  return findings;
}

/** One traversal of a JSON value: counts findings and, when redacting, copies what changes. */
class Walk {
  counts: FindingCounts = {};
  readonly #findings: Finding[] = [];

  constructor(
    private readonly scanner: DlpScanner,
    private readonly rewrite: boolean,
  ) {}

  value(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.string(value);
    if (typeof value !== 'object' || value === null) return value;
    if (depth >= MAX_DEPTH) {
      throw new AppError(
        'INVALID',
        `The value is nested more than ${MAX_DEPTH} levels deep and cannot be scanned.`,
      );
    }
    return Array.isArray(value)
      ? this.array(value as unknown[], depth)
      : this.object(value as Record<string, unknown>, depth);
  }

  private count(detector: DetectorName): void {
    this.counts[detector] = (this.counts[detector] ?? 0) + 1;
  }

  private string(text: string): string {
    const findings = this.scanner.scanInto(text, this.#findings);
    if (findings.length === 0) return text;
    for (const finding of findings) this.count(finding.detector);
    if (!this.rewrite) return text;
    let out = '';
    let from = 0;
    for (const finding of findings) {
      out += text.slice(from, finding.start) + this.scanner.placeholderFor(finding);
      from = finding.end;
    }
    return out + text.slice(from);
  }

  private array(value: unknown[], depth: number): unknown[] {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const next = this.value(item, depth + 1);
      if (out) out.push(next);
      else if (next !== item) {
        out = value.slice(0, i);
        out.push(next);
      }
    }
    return out ?? value;
  }

  private object(value: Record<string, unknown>, depth: number): Record<string, unknown> {
    const binary = value.type === 'image' || value.type === 'audio';
    let out: Record<string, unknown> | undefined;
    let index = 0;
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const item = value[key];
      let next: unknown;
      if ((key === 'data' && binary) || (key === 'blob' && typeof value.uri === 'string')) {
        next = item;
      } else if (typeof item === 'string' && this.scanner.keyedSecret(key, item)) {
        this.count('secret');
        next = this.rewrite ? placeholder('secret') : item;
      } else {
        next = this.value(item, depth + 1);
      }
      if (out) out[key] = next;
      else if (next !== item) {
        out = copyKeys(value, index);
        out[key] = next;
      }
      index++;
    }
    return out ?? value;
  }
}

/** The first `count` own keys of `value`, in a prototype-less object (safe for `__proto__`). */
function copyKeys(value: Record<string, unknown>, count: number): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  let i = 0;
  for (const key in value) {
    if (i >= count) break;
    if (!Object.hasOwn(value, key)) continue;
    out[key] = value[key];
    i++;
  }
  return out;
}
