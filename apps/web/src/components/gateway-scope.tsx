'use client';

import { useId } from 'react';
import { cx } from '~/components/ui/cx';

/** "All gateways" (those created later too) or a chosen list: where a policy or guardrail applies. */
export function GatewayScope({
  subject,
  gateways,
  loading,
  allGateways,
  gatewayIds,
  onChange,
  error,
}: {
  /** What applies: named in the list's accessible name ("Gateways this policy applies to"). */
  subject: 'policy' | 'guardrail';
  gateways: { id: string; name: string; slug: string }[];
  loading: boolean;
  allGateways: boolean;
  gatewayIds: string[];
  onChange: (allGateways: boolean, gatewayIds: string[]) => void;
  error?: string;
}) {
  const name = useId();
  const listId = useId();
  return (
    <fieldset className="flex flex-col gap-2">
      <legend className="mb-1.5 text-sm font-medium text-slate-800">Applies to</legend>
      <label className="flex items-center gap-2 text-sm text-slate-700">
        <input
          type="radio"
          name={name}
          className="size-4 accent-brand-600"
          checked={allGateways}
          onChange={() => onChange(true, gatewayIds)}
        />
        All gateways <span className="text-slate-500">(those created later too)</span>
      </label>
      <label className="flex items-center gap-2 text-sm text-slate-700">
        <input
          type="radio"
          name={name}
          className="size-4 accent-brand-600"
          checked={!allGateways}
          aria-controls={listId}
          aria-invalid={error ? true : undefined}
          onChange={() => onChange(false, gatewayIds)}
        />
        Only these gateways
      </label>
      {!allGateways && (
        <div className="ml-6 flex flex-col gap-1.5">
          {loading ? (
            <p className="text-sm text-slate-500">Loading gateways…</p>
          ) : gateways.length === 0 ? (
            <p className="text-sm text-slate-500">No gateways yet.</p>
          ) : (
            <ul
              id={listId}
              aria-label={`Gateways this ${subject} applies to`}
              className={cx(
                'flex max-h-44 flex-col gap-0.5 overflow-y-auto rounded-lg p-1.5 ring-1',
                error ? 'ring-red-400' : 'ring-slate-200',
              )}
            >
              {gateways.map((g) => (
                <li key={g.id}>
                  <label className="flex items-center gap-2 rounded-md px-2 py-1.5 text-sm text-slate-700 hover:bg-slate-50">
                    <input
                      type="checkbox"
                      className="size-4 accent-brand-600"
                      checked={gatewayIds.includes(g.id)}
                      onChange={(e) =>
                        onChange(
                          false,
                          e.target.checked ? [...gatewayIds, g.id] : gatewayIds.filter((id) => id !== g.id),
                        )
                      }
                    />
                    <span className="min-w-0 truncate">{g.name}</span>
                    <span className="truncate font-mono text-xs text-slate-500">{g.slug}</span>
                  </label>
                </li>
              ))}
            </ul>
          )}
          {error && <p className="text-sm text-red-600">{error}</p>}
        </div>
      )}
    </fieldset>
  );
}
