'use client';

import { MAX_PATTERN_CHARS } from '@toolgate/core/dlp';
import { PlusIcon, TrashIcon } from '~/components/icons';
import { Button } from '~/components/ui/button';
import { TextField } from '~/components/ui/field';
import type { DraftErrors, PatternDraft } from './guardrail-draft';

/** Most patterns a guardrail may have (the API's MAX_PATTERNS). */
const MAX_PATTERNS = 50;

/**
 * The guardrail's own patterns: a name (used in placeholders and findings) and an RE2 expression,
 * each with its message under it, from the browser's check or the server's.
 */
export function PatternsField({
  patterns,
  errors,
  onChange,
  onAdd,
  onRemove,
}: {
  patterns: PatternDraft[];
  errors: DraftErrors;
  onChange: (index: number, field: 'name' | 'pattern', value: string) => void;
  onAdd: () => void;
  onRemove: (index: number) => void;
}) {
  return (
    <fieldset className="flex flex-col gap-3">
      <legend className="mb-1.5 text-sm font-medium text-slate-800">Custom patterns</legend>
      <p className="-mt-1 text-sm text-slate-500">
        Regular expressions in RE2 syntax, which matches in linear time: lookarounds and backreferences are
        not supported. Checked when you save. A redacted match reads [REDACTED:custom:&lt;name&gt;].
      </p>
      {patterns.length > 0 && (
        <ol className="flex flex-col gap-3">
          {patterns.map((p, i) => (
            <li key={p.key}>
              <fieldset
                aria-label={`Pattern ${i + 1}`}
                className="grid gap-3 rounded-lg bg-slate-50 p-3 ring-1 ring-slate-200 ring-inset sm:grid-cols-[12rem_1fr_auto]"
              >
                <TextField
                  label="Pattern name"
                  name={`patterns.${i}.name`}
                  maxLength={40}
                  placeholder="employee-id"
                  value={p.name}
                  onChange={(e) => onChange(i, 'name', e.target.value)}
                  error={errors[`patterns.${i}.name`]}
                />
                <TextField
                  label="Expression (RE2)"
                  name={`patterns.${i}.pattern`}
                  maxLength={MAX_PATTERN_CHARS}
                  spellCheck={false}
                  autoComplete="off"
                  // On the input only (a class here would set the label in monospace too).
                  style={{ fontFamily: 'var(--font-mono, ui-monospace, monospace)' }}
                  placeholder="EMP-[0-9]{6}"
                  value={p.pattern}
                  onChange={(e) => onChange(i, 'pattern', e.target.value)}
                  error={errors[`patterns.${i}.pattern`]}
                />
                <Button
                  variant="ghost"
                  size="sm"
                  className="self-start sm:mt-7"
                  aria-label={`Remove pattern ${i + 1}`}
                  title="Remove"
                  onClick={() => onRemove(i)}
                >
                  <TrashIcon className="size-4" />
                </Button>
              </fieldset>
            </li>
          ))}
        </ol>
      )}
      {errors.patterns && <p className="text-sm text-red-600">{errors.patterns}</p>}
      <div>
        <Button variant="secondary" size="sm" onClick={onAdd} disabled={patterns.length >= MAX_PATTERNS}>
          <PlusIcon className="size-4" />
          Add a pattern
        </Button>
      </div>
    </fieldset>
  );
}
