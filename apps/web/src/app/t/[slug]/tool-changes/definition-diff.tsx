import { cx } from '~/components/ui/cx';
import {
  definitionChanges,
  type DiffPart,
  type FieldChange,
  type ToolDefinition,
} from './definition-changes';

const PART_CLASSES = {
  added: 'bg-emerald-100 text-emerald-900 no-underline',
  removed: 'bg-red-100 text-red-800 line-through decoration-red-400',
} as const;

function TextParts({ parts }: { parts: DiffPart[] }) {
  return (
    <p className="text-sm whitespace-pre-wrap text-slate-800">
      {parts.map((part, i) =>
        part.change === 'added' ? (
          <ins key={i} className={cx('rounded-sm', PART_CLASSES.added)}>
            {part.value}
          </ins>
        ) : part.change === 'removed' ? (
          <del key={i} className={cx('rounded-sm', PART_CLASSES.removed)}>
            {part.value}
          </del>
        ) : (
          <span key={i}>{part.value}</span>
        ),
      )}
    </p>
  );
}

const LINE_MARKS = { added: '+', removed: '-', kept: ' ' } as const;

function JsonLines({ parts }: { parts: DiffPart[] }) {
  const lines = parts.flatMap((part) =>
    part.value
      .replace(/\n$/, '')
      .split('\n')
      .map((text) => ({ text, change: part.change })),
  );
  return (
    <pre className="overflow-x-auto rounded-lg bg-slate-50 py-2 font-mono text-xs leading-5 ring-1 ring-slate-200">
      {lines.map((line, i) => (
        <div
          key={i}
          className={cx(
            'px-3',
            line.change === 'added' && 'bg-emerald-50 text-emerald-900',
            line.change === 'removed' && 'bg-red-50 text-red-800',
            line.change === 'kept' && 'text-slate-600',
          )}
        >
          <span aria-hidden="true" className="mr-2 select-none text-slate-400">
            {LINE_MARKS[line.change]}
          </span>
          {line.change !== 'kept' && (
            <span className="sr-only">{line.change === 'added' ? 'Added: ' : 'Removed: '}</span>
          )}
          {line.text}
        </div>
      ))}
    </pre>
  );
}

function Field({ change }: { change: FieldChange }) {
  return (
    <div className="flex flex-col gap-1.5">
      <h4 className="text-xs font-medium tracking-wide text-slate-500 uppercase">{change.label}</h4>
      {change.kind === 'text' ? <TextParts parts={change.parts} /> : <JsonLines parts={change.parts} />}
    </div>
  );
}

/**
 * The review of a tool change: each field that differs between the definition gateways serve and
 * the one the server lists now (a new tool: everything it lists), text by words, JSON by lines.
 */
export function DefinitionDiff({
  approved,
  pending,
}: {
  approved: ToolDefinition | null;
  pending: ToolDefinition;
}) {
  const changes = definitionChanges(approved, pending);
  if (changes.length === 0)
    return (
      <p className="text-sm text-slate-500">
        No field shown here differs; the server encodes the same definition differently.
      </p>
    );
  return (
    <div className="flex flex-col gap-4" aria-label="Differences">
      {changes.map((change) => (
        <Field key={change.field} change={change} />
      ))}
    </div>
  );
}
