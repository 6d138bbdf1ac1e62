'use client';

import { ZHeaderAllowlist } from '@toolgate/api/schemas/gateways';
import { useId, useState, type KeyboardEvent } from 'react';
import { XMarkIcon } from '~/components/icons';
import { Button } from '~/components/ui/button';
import { cx } from '~/components/ui/cx';

/** Why a header cannot be added, by the API's own rule, or undefined when it can. */
export function headerProblem(header: string, current: readonly string[]): string | undefined {
  const parsed = ZHeaderAllowlist.safeParse([header]);
  if (!parsed.success)
    return `“${header}” ${parsed.error.issues[0]?.message ?? 'is not a valid header name'}`;
  if (current.includes(parsed.data[0]!)) return 'Already in the list';
  if (current.length >= 50) return 'At most 50 headers';
  return undefined;
}

/** Client headers a gateway forwards upstream; names are stored lower-case. */
export function HeaderAllowlistEditor({
  value,
  onChange,
  error,
  disabled,
}: {
  value: readonly string[];
  onChange: (headers: string[]) => void;
  error?: string;
  disabled?: boolean;
}) {
  const inputId = useId();
  const [draft, setDraft] = useState('');
  const [problem, setProblem] = useState<string>();

  function add() {
    const header = draft.trim();
    if (!header) return;
    const issue = headerProblem(header, value);
    if (issue) {
      setProblem(issue);
      return;
    }
    onChange([...value, header.toLowerCase()]);
    setDraft('');
    setProblem(undefined);
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    // Enter adds the header instead of submitting the whole form.
    if (e.key === 'Enter') {
      e.preventDefault();
      add();
    }
  }

  const message = problem ?? error;
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={inputId} className="text-sm font-medium text-slate-800">
        Forwarded headers
      </label>
      <p className="text-sm text-slate-500">
        Client request headers passed on to upstream servers, e.g.{' '}
        <code className="font-mono">x-request-id</code>. Credentials, cookies and hop-by-hop headers are never
        forwarded.
      </p>
      {value.length > 0 && (
        <ul aria-label="Forwarded headers" className="flex flex-wrap gap-1.5">
          {value.map((h) => (
            <li
              key={h}
              className="inline-flex items-center gap-1 rounded-md bg-slate-100 py-0.5 pr-1 pl-2 font-mono text-xs text-slate-700 ring-1 ring-slate-200 ring-inset"
            >
              {h}
              <button
                type="button"
                disabled={disabled}
                aria-label={`Remove ${h}`}
                onClick={() => onChange(value.filter((x) => x !== h))}
                className="rounded p-0.5 text-slate-400 hover:bg-slate-200 hover:text-slate-700"
              >
                <XMarkIcon className="size-3.5" />
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="flex gap-2">
        <input
          id={inputId}
          value={draft}
          disabled={disabled}
          autoComplete="off"
          spellCheck={false}
          placeholder="x-request-id"
          maxLength={100}
          aria-invalid={message ? true : undefined}
          aria-describedby={message ? `${inputId}-error` : undefined}
          onChange={(e) => {
            setDraft(e.target.value);
            setProblem(undefined);
          }}
          onKeyDown={onKeyDown}
          className={cx(
            'h-9 w-64 rounded-lg bg-white px-3 font-mono text-sm shadow-xs ring-1 outline-none focus:ring-2',
            message ? 'ring-red-400 focus:ring-red-500' : 'ring-slate-300 focus:ring-brand-500',
          )}
        />
        <Button variant="secondary" onClick={add} disabled={disabled || !draft.trim()}>
          Add header
        </Button>
      </div>
      {message && (
        <p id={`${inputId}-error`} className="text-sm text-red-600">
          {message}
        </p>
      )}
    </div>
  );
}
