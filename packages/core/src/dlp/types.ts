/** The detectors a guardrail can name. `custom` stands for the tenant's own patterns. */
export const DETECTOR_NAMES = ['secret', 'email', 'phone', 'card', 'iban', 'us_ssn', 'ip', 'custom'] as const;

export type DetectorName = (typeof DETECTOR_NAMES)[number];

/**
 * One match: which detector, and where, as UTF-16 offsets into the scanned string (`end`
 * exclusive). A finding never carries the matched text; callers that need it already hold the
 * string, and nothing here keeps or logs it.
 */
export interface Finding {
  detector: DetectorName;
  start: number;
  end: number;
  /** For `custom` findings: the name of the tenant's pattern that matched. */
  pattern?: string;
}

/** Findings counted by detector; detectors that found nothing are absent. */
export type FindingCounts = Partial<Record<DetectorName, number>>;

export interface CustomPattern {
  name: string;
  /** RE2 syntax (see `checkCustomPattern`). */
  pattern: string;
}

export interface DetectorConfig {
  detectors: readonly DetectorName[];
  /** The tenant's patterns; they run whenever given, whether or not `custom` is listed. */
  patterns?: readonly CustomPattern[];
}

export interface RedactResult {
  /** `value` itself when nothing matched; otherwise a copy with each match replaced. */
  value: unknown;
  findings: FindingCounts;
}

export interface Scanner {
  /** The built-in detectors this scanner runs (custom patterns not included). */
  readonly detectors: readonly DetectorName[];
  /** Findings in `text`, ordered by `start`, never overlapping. */
  scan(text: string): Finding[];
  /**
   * `value` with every match in every string replaced by a typed placeholder
   * (`[REDACTED:card]`), counted by detector. Object keys are not scanned.
   */
  redact(value: unknown): RedactResult;
  /** The findings `redact` would make, counted by detector, without rewriting anything. */
  scanValue(value: unknown): FindingCounts;
}
