'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '~/trpc/react';
import { scopeText } from '../policies/labels';
import {
  ACTION_HINTS,
  ACTION_LABELS,
  detectorLabels,
  DIRECTION_LABELS,
  FAIL_MODE_LABELS,
  type Guardrail,
} from './labels';

/** What a guardrail does, for members: they read the rules their calls go through. */
export function GuardrailReadOnly({ guardrail: g }: { guardrail: Guardrail }) {
  const trpc = useTRPC();
  const gateways = useQuery(trpc.gateways.list.queryOptions());
  const names = new Map((gateways.data ?? []).map((x) => [x.id, x.name]));
  const detectors = detectorLabels(g.detectors);
  return (
    <dl
      aria-label="Guardrail"
      className="grid gap-4 rounded-xl bg-white p-5 text-sm shadow-xs ring-1 ring-slate-200 sm:grid-cols-3"
    >
      <div>
        <dt className="text-slate-500">Applies to</dt>
        <dd className="mt-1 text-slate-900">{scopeText(g.gatewayIds, names, false)}</dd>
      </div>
      <div>
        <dt className="text-slate-500">Looks at</dt>
        <dd className="mt-1 text-slate-900">{DIRECTION_LABELS[g.direction]}</dd>
      </div>
      <div>
        <dt className="text-slate-500">Enabled</dt>
        <dd className="mt-1 text-slate-900">{g.enabled ? 'Yes' : 'No: kept, but never applied'}</dd>
      </div>
      <div className="sm:col-span-3">
        <dt className="text-slate-500">Detectors</dt>
        <dd className="mt-1 text-slate-900">
          {detectors.length > 0 ? detectors.join(', ') : <span className="text-slate-400">None</span>}
        </dd>
      </div>
      {g.patterns.length > 0 && (
        <div className="sm:col-span-3">
          <dt className="text-slate-500">Custom patterns</dt>
          <dd className="mt-1">
            <ul className="flex flex-col gap-1">
              {g.patterns.map((p) => (
                <li key={p.name} className="flex flex-wrap items-baseline gap-2">
                  <span className="text-slate-900">{p.name}</span>
                  <code className="font-mono text-xs break-all text-slate-700">{p.pattern}</code>
                </li>
              ))}
            </ul>
          </dd>
        </div>
      )}
      <div className="sm:col-span-3">
        <dt className="text-slate-500">Action</dt>
        <dd className="mt-1 text-slate-900">
          {ACTION_LABELS[g.action]} <span className="text-slate-500">— {ACTION_HINTS[g.action]}</span>
        </dd>
      </div>
      <div className="sm:col-span-3">
        <dt className="text-slate-500">External guardrail</dt>
        <dd className="mt-1 text-slate-900">
          {g.external ? (
            <>
              <span className="font-mono text-xs break-all">{g.external.url}</span>
              <span className="text-slate-500">
                {' '}
                — waits up to {g.external.timeoutMs} ms; when it cannot answer:{' '}
                {FAIL_MODE_LABELS[g.external.failMode].toLowerCase()}
              </span>
            </>
          ) : (
            <span className="text-slate-400">None</span>
          )}
        </dd>
      </div>
      <p className="text-xs text-slate-500 sm:col-span-3">Owners and admins change guardrails.</p>
    </dl>
  );
}
