'use client';

import { useQuery } from '@tanstack/react-query';
import type { LogEvent } from '@toolgate/api/schemas/usage';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { SearchIcon } from '~/components/icons';
import { CopyButton } from '~/components/copy-button';
import { Button, ButtonLink } from '~/components/ui/button';
import { EmptyState } from '~/components/ui/empty-state';
import { BackLink, PageHeader } from '~/components/ui/page-header';
import { Loading } from '~/components/ui/spinner';
import {
  AUTH_METHOD_LABELS,
  formatBytes,
  formatDateTime,
  formatEventTime,
  formatMs,
  methodLabel,
} from '~/components/usage/format';
import { DLP_OUTCOME_LABELS, findingsByDetector, POLICY_DECISION_LABELS } from '~/components/usage/dlp-badge';
import { StatusBadge } from '~/components/usage/status-badge';
import { useTRPC } from '~/trpc/react';
import { connectionEventLabel, isConnectionEvent } from '../connection-events';
import { denyReasonText } from '../deny-reasons';

const json = (value: unknown): string => JSON.stringify(value, null, 2);

/** One call: what was asked, what came back (both redacted), who asked, and how long it took. */
export function LogDetail({ tenantSlug, eventId }: { tenantSlug: string; eventId: string }) {
  const trpc = useTRPC();
  const event = useQuery(trpc.usage.event.queryOptions({ id: eventId }));
  if (event.isPending) return <Loading>Loading call…</Loading>;
  if (event.error)
    return (
      <EmptyState
        icon={SearchIcon}
        title="Call not available"
        description={
          event.error.data?.code === 'NOT_FOUND' || event.error.data?.httpStatus === 400
            ? 'It does not exist, is older than the audit retention, or was made by someone else.'
            : event.error.message
        }
      >
        <ButtonLink href={`/t/${tenantSlug}/logs`} variant="secondary">
          Back to logs
        </ButtonLink>
        {event.error.data?.code !== 'NOT_FOUND' && (
          <Button variant="secondary" onClick={() => void event.refetch()}>
            Try again
          </Button>
        )}
      </EmptyState>
    );

  const e = event.data;
  const isToolCall = e.method === 'tools/call';
  const connection = isConnectionEvent(e.method);
  return (
    <>
      <BackLink href={`/t/${tenantSlug}/logs`}>Logs</BackLink>
      <PageHeader
        title={
          e.toolName ??
          e.requestedName ??
          (connection ? connectionEventLabel(e.method, e.status) : methodLabel(e.method))
        }
        description={
          <span className="flex flex-wrap items-center gap-2">
            <StatusBadge status={e.status} />
            <span>
              {e.toolName || connection ? `${e.method} · ` : ''}
              {e.requestedName && !e.toolName ? `${e.method} of a tool this gateway does not expose · ` : ''}
              <time dateTime={e.occurredAt}>{formatDateTime(e.occurredAt)}</time>
            </span>
          </span>
        }
      />
      <div className="mt-6 grid gap-6 lg:grid-cols-3">
        <section
          aria-label="Details"
          className="rounded-xl border border-slate-200 bg-white shadow-xs lg:col-span-1"
        >
          <h2 className="border-b border-slate-200 px-5 py-3.5 text-sm font-semibold text-slate-900">
            Details
          </h2>
          <dl className="divide-y divide-slate-100 text-sm">
            <Row label="Time">
              <time dateTime={e.occurredAt} className="font-mono text-xs">
                {formatEventTime(e.occurredAt)}
              </time>
            </Row>
            <Row label="Latency">{formatMs(e.latencyMs)}</Row>
            <Row label="Request size">{formatBytes(e.requestBytes)}</Row>
            <Row label="Response size">{formatBytes(e.responseBytes)}</Row>
            {e.denyReason && (
              <Row label={connection ? 'Reason' : 'Refused because'}>
                {denyReasonText(e.denyReason, e.method)}
              </Row>
            )}
            {e.errorMessage && (
              <Row label="Error">
                <span className="break-words">{e.errorMessage}</span>
              </Row>
            )}
            {e.errorCode !== null && <Row label="Error code">{e.errorCode}</Row>}
            {e.policyDecision && (
              <Row label="Policy decision">{POLICY_DECISION_LABELS[e.policyDecision]}</Row>
            )}
            {e.dlpOutcome && <Row label="DLP outcome">{DLP_OUTCOME_LABELS[e.dlpOutcome]}</Row>}
            {e.dlpOutcome && (
              <Row label="Findings">
                <Findings findings={e.dlpFindings} />
              </Row>
            )}
            <Row label="Caller">
              {e.caller ? (
                <>
                  {/* A caller with no name of its own (a pass-through gateway's `subject:<sub>`) is its id. */}
                  {e.caller.label !== e.caller.id && <span className="block">{e.caller.label}</span>}
                  <span className="block font-mono text-xs break-all text-slate-500">{e.caller.id}</span>
                </>
              ) : (
                <span className="text-slate-400">Not authenticated</span>
              )}
            </Row>
            <Row label="Agent">
              {e.agent ? (
                <>
                  {/* An OAuth client by its registered name, then its id; a declared name is itself. */}
                  {e.agent.label !== e.agent.id && <span className="block">{e.agent.label}</span>}
                  <span className="block font-mono text-xs break-all text-slate-500">{e.agent.id}</span>
                </>
              ) : (
                <Missing />
              )}
            </Row>
            <Row label="Auth method">
              {e.authMethod ? (AUTH_METHOD_LABELS[e.authMethod] ?? e.authMethod) : <Missing />}
            </Row>
            <Row label="Gateway">
              {e.gateway ? (
                <Link
                  href={`/t/${tenantSlug}/gateways/${e.gateway.id}`}
                  className="text-brand-700 hover:underline"
                >
                  {e.gateway.label}
                </Link>
              ) : (
                <Missing />
              )}
            </Row>
            <Row label="Server">
              {e.server ? (
                <Link
                  href={`/t/${tenantSlug}/servers/${e.server.id}`}
                  className="text-brand-700 hover:underline"
                >
                  {e.server.label}
                </Link>
              ) : (
                <Missing />
              )}
            </Row>
            <Row label="Session">{e.sessionId ? <Code value={e.sessionId} /> : <Missing />}</Row>
            <Row label="Trace ID">{e.traceId ? <Code value={e.traceId} /> : <Missing />}</Row>
            <Row label="Request ID">{e.requestId ? <Code value={e.requestId} /> : <Missing />}</Row>
          </dl>
        </section>
        <div className="flex flex-col gap-6 lg:col-span-2">
          <Payload
            title={isToolCall ? 'Arguments' : 'Request'}
            value={e.request}
            none="No request body was captured."
          />
          <Payload
            title={e.status === 'error' || e.status === 'denied' ? 'Error' : 'Result'}
            value={e.response}
            none={
              e.status === 'ok' && !['tools/call', 'prompts/get', 'resources/read'].includes(e.method)
                ? `Results of ${methodLabel(e.method)} are not kept in the audit log.`
                : 'No result was captured.'
            }
          />
          <p className="text-xs text-slate-500">
            Secrets (tokens, passwords, keys) are redacted and long values cut before anything is stored.
          </p>
        </div>
      </div>
    </>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-3 gap-3 px-5 py-3">
      <dt className="text-slate-500">{label}</dt>
      <dd className="col-span-2 min-w-0 text-slate-900">{children}</dd>
    </div>
  );
}

const Missing = () => <span className="text-slate-400">—</span>;

/** Counts by detector: the audit keeps no matched values, so there are none to show. */
function Findings({ findings }: { findings: Record<string, number> | null }) {
  const entries = findingsByDetector(findings);
  if (entries.length === 0) return <span className="text-slate-400">None</span>;
  return (
    <>
      <ul aria-label="Findings by detector" className="flex flex-col gap-0.5">
        {entries.map(([detector, count]) => (
          <li key={detector} className="flex justify-between gap-3">
            <span className="font-mono text-xs">{detector}</span>
            <span className="tabular-nums">{count}</span>
          </li>
        ))}
      </ul>
      <p className="mt-1 text-xs text-slate-500">Counted by detector; what matched is never stored.</p>
    </>
  );
}

function Code({ value }: { value: string }) {
  return <code className="font-mono text-xs break-all text-slate-700">{value}</code>;
}

function Payload({ title, value, none }: { title: string; value: LogEvent['request']; none: string }) {
  const text = value === null || value === undefined ? null : json(value);
  return (
    <section aria-label={title} className="rounded-xl border border-slate-200 bg-white shadow-xs">
      <h2 className="border-b border-slate-200 px-5 py-3 text-sm font-semibold text-slate-900">{title}</h2>
      {text ? (
        <div className="relative">
          <pre className="max-h-[32rem] overflow-auto rounded-b-xl bg-slate-950 px-5 py-4 pr-12 font-mono text-xs leading-5 text-slate-100">
            {text}
          </pre>
          <div className="absolute top-2 right-2">
            <CopyButton value={text} label={`Copy ${title.toLowerCase()}`} />
          </div>
        </div>
      ) : (
        <p className="px-5 py-4 text-sm text-slate-500">{none}</p>
      )}
    </section>
  );
}
