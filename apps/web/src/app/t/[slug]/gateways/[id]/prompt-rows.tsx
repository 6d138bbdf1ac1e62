'use client';

import { useId } from 'react';
import { Badge } from '~/components/ui/badge';
import { cx } from '~/components/ui/cx';
import { matchesSearch, newRow, rowKey, type Row, type ServerGroup } from './assignment-model';
import type { NameCheck } from './exposed-names';
import { InstallationSelect } from './installation-select';
import type { RowProblem } from './server-group-card';

/** The small one-line inputs of the picker: aliases. */
export const aliasInputClass = (invalid: boolean) =>
  cx(
    'h-8 w-56 rounded-md bg-white px-2 font-mono text-xs ring-1 outline-none focus:ring-2 disabled:bg-slate-50',
    invalid ? 'ring-red-400 focus:ring-red-500' : 'ring-slate-300 focus:ring-brand-500',
  );

/**
 * A server's prompts as discovery found them (prompts/list), each picked like a tool, plus any
 * assigned prompt the server no longer lists. Members see only what is assigned.
 */
export function PromptPicker({
  group,
  rows,
  checks,
  problems,
  readOnly,
  query,
  edit,
}: {
  group: ServerGroup;
  rows: ReadonlyMap<string, Row>;
  checks: ReadonlyMap<string, NameCheck>;
  problems: ReadonlyMap<string, RowProblem>;
  readOnly: boolean;
  query: string;
  edit: (change: (next: Map<string, Row>) => void) => void;
}) {
  const assigned = [...rows.values()]
    .filter((r) => r.registryEntryId === group.id && r.kind === 'prompt')
    .map((r) => r.toolName);
  const names = readOnly ? assigned : [...new Set([...group.prompts.keys(), ...assigned])].sort();
  const shown = names.filter((n) => matchesSearch(query, n, group.prompts.get(n)?.description));
  if (names.length === 0) {
    return readOnly ? null : <p className="text-xs text-slate-500">{group.name} offers no prompts.</p>;
  }
  return (
    <div className="flex flex-col gap-1.5">
      <p className="text-sm font-medium text-slate-700">Prompts</p>
      {shown.length === 0 ? (
        <p className="text-xs text-slate-500">No prompts match “{query.trim()}”.</p>
      ) : (
        <ul aria-label={`${group.name} prompts`} className="flex flex-col gap-2">
          {shown.map((name) => {
            const key = rowKey(group.id, 'prompt', name);
            const row = rows.get(key);
            return (
              <PromptRow
                key={name}
                group={group}
                name={name}
                row={row}
                check={checks.get(key)}
                problem={problems.get(key)}
                onToggle={(on) =>
                  edit((next) => {
                    if (!on) next.delete(key);
                    else next.set(key, newRow(group.id, 'prompt', name));
                  })
                }
                onChange={(patch) =>
                  edit((next) => {
                    const current = next.get(key);
                    if (current) next.set(key, { ...current, ...patch });
                  })
                }
              />
            );
          })}
        </ul>
      )}
    </div>
  );
}

function PromptRow({
  group,
  name,
  row,
  check,
  problem,
  onToggle,
  onChange,
}: {
  group: ServerGroup;
  name: string;
  row: Row | undefined;
  check: NameCheck | undefined;
  problem: RowProblem | undefined;
  onToggle: (on: boolean) => void;
  onChange: (patch: Partial<Row>) => void;
}) {
  const id = useId();
  const generated = `${group.slug}__${name}`;
  const discovered = group.prompts.get(name);
  const args = discovered?.arguments ?? [];
  return (
    <li className={cx('flex flex-col gap-1.5', problem && 'rounded-md bg-red-50/60')}>
      <div className="flex items-start gap-3">
        <input
          type="checkbox"
          id={`${id}-pick`}
          aria-label={`Prompt ${generated}`}
          className="mt-0.5 size-4 accent-brand-600"
          checked={Boolean(row)}
          onChange={(e) => onToggle(e.target.checked)}
        />
        <label htmlFor={`${id}-pick`} className="min-w-0 flex-1">
          <code className="font-mono text-sm text-slate-900">{name}</code>
          {!discovered && (
            <Badge tone="amber" className="ml-2">
              Not discovered
            </Badge>
          )}
          {discovered?.description && (
            <p className="line-clamp-1 text-xs text-slate-500">{discovered.description}</p>
          )}
          {args.length > 0 && (
            <p className="text-xs text-slate-500">
              Takes{' '}
              {args.map((a, i) => (
                <span key={a.name}>
                  {i > 0 && ', '}
                  <code className="font-mono">{a.name}</code>
                  {a.required ? '' : ' (optional)'}
                </span>
              ))}
            </p>
          )}
        </label>
        {row && check && (
          <span className="hidden text-xs text-slate-500 sm:inline">
            Exposed as <code className="font-mono text-slate-800">{check.name}</code>
          </span>
        )}
      </div>
      {row && (
        <div className="ml-7 flex flex-wrap items-center gap-2">
          <input
            aria-label={`Alias for prompt ${generated}`}
            placeholder={generated}
            value={row.alias}
            maxLength={128}
            aria-invalid={problem ? true : undefined}
            onChange={(e) => onChange({ alias: e.target.value })}
            className={aliasInputClass(Boolean(problem))}
          />
          <InstallationSelect
            group={group}
            label={`Installation for prompt ${generated}`}
            value={row.installationId}
            onChange={(installationId) => onChange({ installationId })}
          />
        </div>
      )}
      {problem && <p className="ml-7 text-sm text-red-600">{problem.message}</p>}
    </li>
  );
}
