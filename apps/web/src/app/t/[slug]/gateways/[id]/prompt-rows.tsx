'use client';

import { useState } from 'react';
import { XMarkIcon } from '~/components/icons';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { cx } from '~/components/ui/cx';
import type { Row, ServerGroup } from './assignment-model';
import type { NameCheck } from './exposed-names';
import { InstallationSelect } from './installation-select';
import type { RowProblem } from './server-group-card';

/** The small one-line inputs of the picker: aliases and prompt names. */
export const aliasInputClass = (invalid: boolean) =>
  cx(
    'h-8 w-56 rounded-md bg-white px-2 font-mono text-xs ring-1 outline-none focus:ring-2 disabled:bg-slate-50',
    invalid ? 'ring-red-400 focus:ring-red-500' : 'ring-slate-300 focus:ring-brand-500',
  );

export function PromptRow({
  group,
  row,
  check,
  problem,
  onChange,
  onRemove,
}: {
  group: ServerGroup;
  row: Row;
  check: NameCheck | undefined;
  problem: RowProblem | undefined;
  onChange: (patch: Partial<Row>) => void;
  onRemove: () => void;
}) {
  const generated = `${group.slug}__${row.toolName}`;
  return (
    <li className="flex flex-col gap-1">
      <div className="flex flex-wrap items-center gap-2">
        <Badge tone="brand">Prompt</Badge>
        <code className="font-mono text-sm text-slate-900">{row.toolName}</code>
        <input
          aria-label={`Alias for prompt ${generated}`}
          placeholder={generated}
          value={row.alias}
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
        {check && (
          <span className="text-xs text-slate-500">
            Exposed as <code className="font-mono text-slate-800">{check.name}</code>
          </span>
        )}
        <button
          type="button"
          aria-label={`Remove prompt ${row.toolName}`}
          onClick={onRemove}
          className="rounded p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-700"
        >
          <XMarkIcon className="size-4" />
        </button>
      </div>
      {problem && <p className="text-sm text-red-600">{problem.message}</p>}
    </li>
  );
}

export function AddPrompt({
  group,
  taken,
  onAdd,
}: {
  group: ServerGroup;
  taken: readonly string[];
  onAdd: (name: string) => void;
}) {
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string>();
  function add() {
    const value = name.trim();
    if (!value) return setProblem('Enter the prompt’s name on the server');
    if (value.length > 200) return setProblem('Use at most 200 characters');
    if (taken.includes(value)) return setProblem('That prompt is already assigned');
    onAdd(value);
    setName('');
    setProblem(undefined);
  }
  return (
    <div className="flex flex-col gap-1">
      <div className="flex items-center gap-2">
        <input
          aria-label={`Prompt name for ${group.name}`}
          placeholder="Prompt name"
          value={name}
          aria-invalid={problem ? true : undefined}
          onChange={(e) => {
            setName(e.target.value);
            setProblem(undefined);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              add();
            }
          }}
          className={aliasInputClass(Boolean(problem))}
        />
        <Button size="sm" variant="secondary" onClick={add}>
          Add prompt
        </Button>
      </div>
      {problem && <p className="text-sm text-red-600">{problem}</p>}
    </div>
  );
}
