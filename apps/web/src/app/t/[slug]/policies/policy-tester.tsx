'use client';

import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert, Notice } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { SelectField } from '~/components/ui/field';
import { useTRPC } from '~/trpc/react';
import { problemFromDetails, type ConditionProblem } from './condition-problem';
import {
  ACTION_LABELS,
  ACTION_TONES,
  type PolicyTestCall,
  type PolicyTestOutcome,
  type PolicyTestResult,
} from './labels';

const LIMITS = [50, 100, 250, 500];
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** What the tester needs of the form: the draft as the API takes it, once the form has checked it. */
export interface TesterDraft {
  id?: string;
  name: string;
  condition: string;
  action: PolicyTestOutcome['action'];
  message: string;
  priority: number;
  gatewayIds: string[] | null;
}

/**
 * "Test against recent calls": replays a gateway's last audited tool calls with the draft and
 * lists the calls whose outcome it would change. Nothing is saved or called.
 */
export function PolicyTester({
  gateways,
  policyNames,
  draft,
  onConditionProblem,
}: {
  gateways: { id: string; name: string }[];
  /** Saved policies by id, to name the one a call was decided by. */
  policyNames: ReadonlyMap<string, string>;
  /** The form's draft, or null when the form shows what to fix first. */
  draft: () => TesterDraft | null;
  onConditionProblem: (problem: ConditionProblem) => void;
}) {
  const trpc = useTRPC();
  const [gatewayId, setGatewayId] = useState('');
  const [limit, setLimit] = useState(100);
  const test = useMutation(
    trpc.policies.test.mutationOptions({
      onError: (error) => {
        const problem = problemFromDetails(error.data?.details);
        if (problem) onConditionProblem(problem);
      },
    }),
  );
  const chosen = gatewayId || gateways[0]?.id || '';
  const conditionFailed = problemFromDetails(test.error?.data?.details) !== null;

  const run = () => {
    const policy = draft();
    if (!policy || !chosen) return;
    test.mutate({ policy, gatewayId: chosen, limit });
  };

  return (
    <section
      aria-labelledby="tester-heading"
      className="flex flex-col gap-4 rounded-xl bg-white p-5 shadow-xs ring-1 ring-slate-200"
    >
      <div>
        <h2 id="tester-heading" className="text-base font-semibold text-slate-900">
          Test against recent calls
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Replays a gateway’s last tool calls from the audit log with this draft and with the policies in
          force today, and lists the calls whose outcome the draft would change. Nothing is saved or called.
        </p>
      </div>
      {gateways.length === 0 ? (
        <p className="text-sm text-slate-500">No gateways yet: there are no calls to test against.</p>
      ) : (
        <div className="flex flex-wrap items-end gap-3">
          <SelectField
            label="Gateway"
            className="min-w-48"
            value={chosen}
            onChange={(e) => setGatewayId(e.target.value)}
            options={gateways.map((g) => ({ value: g.id, label: g.name }))}
          />
          <SelectField
            label="Calls to replay"
            value={String(limit)}
            onChange={(e) => setLimit(Number(e.target.value))}
            options={LIMITS.map((n) => ({ value: String(n), label: `Last ${n}` }))}
          />
          <Button variant="secondary" pending={test.isPending} onClick={run}>
            {test.isPending ? 'Testing…' : 'Test against recent calls'}
          </Button>
        </div>
      )}
      {test.error && !conditionFailed && <Alert>{test.error.message}</Alert>}
      {test.data && !test.isPending && (
        <TestResult
          result={test.data}
          gatewayName={gateways.find((g) => g.id === test.data.gatewayId)?.name ?? 'this gateway'}
          policyNames={policyNames}
        />
      )}
    </section>
  );
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const OUTCOME_WORDS = { allow: 'allowed', deny: 'denied', require_approval: 'held for approval' } as const;

function TestResult({
  result,
  gatewayName,
  policyNames,
}: {
  result: PolicyTestResult;
  gatewayName: string;
  policyNames: ReadonlyMap<string, string>;
}) {
  const { counts } = result;
  const changed = result.calls.filter((c) => c.changed);
  const skipped = result.calls.filter((c) => c.skipped !== null);
  return (
    <div className="flex flex-col gap-3">
      <p role="status" className="text-sm text-slate-800" data-testid="tester-summary">
        {counts.calls === 0 ? (
          <>No tool calls of {gatewayName} in the audit log yet.</>
        ) : (
          <>
            Replayed {plural(counts.evaluated, 'call')} of {gatewayName}:{' '}
            <strong>
              {counts.changed === 0 ? 'none would change' : `${plural(counts.changed, 'call')} would change`}
            </strong>
            {result.changes.length > 0 &&
              ` (${result.changes
                .map((c) => `${c.count} ${OUTCOME_WORDS[c.from]} → ${OUTCOME_WORDS[c.to]}`)
                .join(', ')})`}
            .{counts.skipped > 0 && ` ${plural(counts.skipped, 'call')} could not be replayed.`}
          </>
        )}
      </p>
      {!result.draftApplies && (
        <Notice>
          This draft does not apply to {gatewayName} (its gateways do not include it), so it adds nothing
          here.
        </Notice>
      )}
      {changed.length > 0 && (
        <div className="overflow-x-auto rounded-lg ring-1 ring-slate-200">
          <table className="w-full border-collapse text-sm" aria-label="Calls whose outcome would change">
            <thead className="bg-slate-50/80 text-left text-xs font-medium text-slate-500">
              <tr className="border-b border-slate-200">
                <th className="px-3 py-2 font-medium">When</th>
                <th className="px-3 py-2 font-medium">Caller</th>
                <th className="px-3 py-2 font-medium">Tool</th>
                <th className="px-3 py-2 font-medium">Recorded</th>
                <th className="px-3 py-2 font-medium">Today</th>
                <th className="px-3 py-2 font-medium">With this draft</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {changed.map((call) => (
                <tr key={call.eventId}>
                  <td className="px-3 py-2 whitespace-nowrap text-slate-600 tabular-nums">
                    <time dateTime={call.occurredAt}>{dateTime.format(new Date(call.occurredAt))}</time>
                  </td>
                  <td className="px-3 py-2 text-slate-800">{call.caller?.label ?? '—'}</td>
                  <td className="px-3 py-2">
                    <code className="font-mono text-xs text-slate-900">{call.tool}</code>
                  </td>
                  <td className="px-3 py-2 text-slate-600">{recordedText(call, policyNames)}</td>
                  <td className="px-3 py-2">
                    <Outcome outcome={call.current!} />
                  </td>
                  <td className="px-3 py-2">
                    <Outcome outcome={call.withDraft!} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {skipped.length > 0 && (
        <details className="text-sm text-slate-600">
          <summary className="cursor-pointer select-none">Calls not replayed ({skipped.length})</summary>
          <ul className="mt-2 flex list-disc flex-col gap-1 pl-5">
            {skipped.map((c) => (
              <li key={c.eventId}>
                <code className="font-mono text-xs">{c.tool}</code> by{' '}
                {c.caller?.label ?? 'an unknown caller'}: {c.skipped}
              </li>
            ))}
          </ul>
        </details>
      )}
      <details className="text-sm text-slate-600">
        <summary className="cursor-pointer select-none">What the test assumes</summary>
        <ul className="mt-2 flex list-disc flex-col gap-1 pl-5">
          {result.assumptions.map((a) => (
            <li key={a}>{a}</li>
          ))}
        </ul>
      </details>
    </div>
  );
}

function Outcome({ outcome }: { outcome: PolicyTestOutcome }) {
  return (
    <span className="flex flex-col items-start gap-0.5">
      <Badge tone={ACTION_TONES[outcome.action]}>{ACTION_LABELS[outcome.action]}</Badge>
      <span className="text-xs text-slate-500">
        {outcome.policy
          ? outcome.policy.draft
            ? 'by this draft'
            : `by ${outcome.policy.name}`
          : 'no policy matched'}
        {outcome.error && ` (its condition failed: ${outcome.error})`}
      </span>
    </span>
  );
}

/** The audited outcome in words: `deny:policy:<id>` → "Denied by <name>". */
function recordedText(call: PolicyTestCall, policyNames: ReadonlyMap<string, string>): string {
  const outcome = call.recorded.policyOutcome ?? '';
  const named = (id: string) => policyNames.get(id) ?? 'a policy since changed or deleted';
  const [kind, ...rest] = outcome.split(':');
  const last = rest.at(-1) ?? '';
  if (outcome === 'allow')
    return call.recorded.status === 'ok' ? 'Allowed' : `Allowed (${call.recorded.status})`;
  if (kind === 'allow') return `Allowed by ${named(last)}`;
  if (kind === 'approved') return `Approved (${named(last)})`;
  if (kind === 'pending_approval') return `Awaiting approval (${named(last)})`;
  if (outcome.startsWith('deny:policy:')) return `Denied by ${named(last)}`;
  if (outcome.startsWith('deny:declined:')) return `Declined (${named(last)})`;
  if (kind === 'deny' && rest.length === 2)
    return `Denied (${rest[0]!.replaceAll('_', ' ')}, ${named(last)})`;
  if (kind === 'deny') return `Denied (${rest.join(':').replaceAll('_', ' ')})`;
  return call.recorded.status;
}
