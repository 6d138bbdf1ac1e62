'use client';

import type { ServerGroup } from './assignment-model';

/**
 * Pinned installation or "resolve at call time". Personal installations serve their owner only
 * and cannot be pinned, so they are not offered.
 */
export function InstallationSelect({
  group,
  label,
  value,
  onChange,
}: {
  group: ServerGroup;
  label: string;
  value: string | null;
  onChange: (installationId: string | null) => void;
}) {
  const pinnable = group.installations.filter((i) => i.scope !== 'personal');
  const unknown = value !== null && !pinnable.some((i) => i.id === value);
  return (
    <select
      aria-label={label}
      value={value ?? ''}
      onChange={(e) => onChange(e.target.value || null)}
      title={pinnable.find((i) => i.id === value)?.name}
      className="h-8 w-full max-w-md min-w-0 rounded-md bg-white px-2 pr-7 text-xs ring-1 ring-slate-300 outline-none focus:ring-2 focus:ring-brand-500 disabled:bg-slate-50 sm:w-auto sm:min-w-72"
    >
      <option value="">Resolve at call time (personal → team → org)</option>
      {pinnable.map((i) => (
        <option key={i.id} value={i.id}>
          Pinned: {i.name} ({i.scope === 'org' ? 'organization' : 'team'}){i.enabled ? '' : ' — disabled'}
        </option>
      ))}
      {unknown && <option value={value}>Pinned: an installation you cannot see</option>}
    </select>
  );
}
