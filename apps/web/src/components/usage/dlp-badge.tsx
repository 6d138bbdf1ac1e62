import type { DlpOutcome, PolicyDecision } from '@toolgate/core/dlp';
import { cx } from '../ui/cx.ts';

/** What guardrails did to a call, as filters and badges name it. */
export const DLP_OUTCOME_LABELS: Record<DlpOutcome, string> = {
  none: 'Nothing found',
  logged: 'Logged',
  redacted: 'Redacted',
  blocked: 'Blocked',
};

/** A tool call's policy decision (policyDecisionOf in @toolgate/core/dlp), in words. */
export const POLICY_DECISION_LABELS: Record<PolicyDecision, string> = {
  none: 'No policy matched',
  allow: 'Allowed by a policy',
  deny: 'Denied by a policy',
  approved: 'Approved',
  approval_denied: 'Approval denied',
  pending: 'Waiting for approval',
};

/** Findings by detector, most first (by name on a tie); detectors that found nothing left out. */
export const findingsByDetector = (findings: Record<string, number> | null | undefined): [string, number][] =>
  Object.entries(findings ?? {})
    .filter(([, count]) => count > 0)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b));

/** `card 2, email 1`. Only counts exist: matched values are never kept. */
export const formatFindings = (findings: Record<string, number> | null | undefined): string =>
  findingsByDetector(findings)
    .map(([detector, count]) => `${detector.replaceAll('_', ' ')} ${count}`)
    .join(', ');

const TONES: Record<DlpOutcome, string> = {
  none: 'bg-slate-50 text-slate-600 ring-slate-500/20',
  logged: 'bg-sky-50 text-sky-700 ring-sky-600/20',
  redacted: 'bg-amber-50 text-amber-800 ring-amber-600/20',
  blocked: 'bg-red-50 text-red-700 ring-red-600/20',
};

/** `redacted · card 2, email 1`: the outcome, then what was found by detector. */
export function DlpBadge({
  outcome,
  findings,
}: {
  outcome: DlpOutcome;
  findings: Record<string, number> | null;
}) {
  const found = formatFindings(findings);
  return (
    <span
      data-testid="dlp-badge"
      className={cx(
        'inline-flex max-w-full items-center rounded-md px-2 py-0.5 text-xs font-medium ring-1 ring-inset',
        TONES[outcome],
      )}
      title={`Guardrails: ${DLP_OUTCOME_LABELS[outcome]}${found ? ` (${found})` : ''}`}
    >
      <span className="truncate">
        {outcome}
        {found ? ` · ${found}` : ''}
      </span>
    </span>
  );
}
