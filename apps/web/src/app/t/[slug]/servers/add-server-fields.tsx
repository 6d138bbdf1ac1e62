'use client';

import type { AppRouter } from '@toolgate/api/trpc/root';
import type { inferRouterOutputs } from '@trpc/server';
import { useId } from 'react';
import { STDIO_UNAVAILABLE } from './labels';

/** The parts of the form only adding a server has: where it runs and Detect's findings. */

export type Kind = 'remote' | 'local';
type ProbeResult = inferRouterOutputs<AppRouter>['registry']['probe'];

export function KindFieldset({
  kind,
  allowStdio,
  onChange,
}: {
  kind: Kind;
  allowStdio: boolean;
  onChange: (kind: Kind) => void;
}) {
  const kindName = useId();
  return (
    <fieldset className="flex flex-col gap-2">
      <legend className="mb-1.5 text-sm font-medium text-slate-800">Where it runs</legend>
      <div className="grid gap-2 sm:grid-cols-2">
        {(
          [
            { value: 'remote', label: 'Remote (URL)', hint: 'Streamable HTTP or SSE.' },
            {
              value: 'local',
              label: 'Local command (stdio)',
              hint: allowStdio ? 'Started on the Toolgate host.' : STDIO_UNAVAILABLE,
            },
          ] as const
        ).map((option) => {
          const disabled = option.value === 'local' && !allowStdio;
          return (
            <label
              key={option.value}
              className={
                disabled
                  ? 'flex cursor-not-allowed items-start gap-3 rounded-lg px-3 py-2 opacity-60 ring-1 ring-slate-200'
                  : 'flex cursor-pointer items-start gap-3 rounded-lg px-3 py-2 ring-1 ring-slate-200 has-checked:bg-brand-50/60 has-checked:ring-brand-500'
              }
            >
              <input
                type="radio"
                name={kindName}
                value={option.value}
                checked={kind === option.value}
                disabled={disabled}
                onChange={() => onChange(option.value)}
                className="mt-1 accent-brand-600"
              />
              <span className="text-sm">
                <span className="font-medium text-slate-900">{option.label}</span>
                <span className="block text-slate-500">{option.hint}</span>
              </span>
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}

export function isHttpUrl(value: string): boolean {
  try {
    const parsed = new URL(value);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:';
  } catch {
    return false;
  }
}

export function ProbeSummary({ result, error }: { result?: ProbeResult; error?: string }) {
  if (error)
    return (
      <span role="alert" className="text-red-700">
        {error}
      </span>
    );
  if (!result) return <span className="text-slate-500">Checks the URL and fills in what it finds.</span>;
  if (!result.reachable)
    return (
      <span role="alert" data-testid="probe-failed" className="text-red-700">
        Not reachable: {result.detail}
      </span>
    );
  if (!result.speaksMcp)
    return (
      <span role="alert" data-testid="probe-failed" className="text-red-700">
        Not an MCP server: {result.detail}
      </span>
    );
  const transport = result.transport === 'sse' ? 'SSE (legacy)' : 'Streamable HTTP';
  const auth = !result.requiresAuth
    ? 'no sign-in needed'
    : result.suggestedAuthKind === 'oauth'
      ? `OAuth via ${result.authorizationServers.join(', ')}`
      : 'needs a token';
  return (
    <span data-testid="probe-found" className="text-emerald-700">
      Found: {transport}, {auth}
      {result.detail ? ` — ${result.detail}` : ''}
    </span>
  );
}
