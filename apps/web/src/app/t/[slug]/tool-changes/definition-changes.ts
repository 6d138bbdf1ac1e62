import type { AppRouter } from '@toolgate/api/trpc/root';
import type { inferRouterOutputs } from '@trpc/server';
import { diffLines, diffWordsWithSpace } from 'diff';

export type ToolChange = inferRouterOutputs<AppRouter>['toolChanges']['list'][number];
export type ToolDefinition = ToolChange['pending'];

/** A piece of a diff: kept, added (only in the new definition) or removed (only in the approved one). */
export interface DiffPart {
  value: string;
  change: 'kept' | 'added' | 'removed';
}

export interface FieldChange {
  field: keyof ToolDefinition;
  label: string;
  /** Text is diffed by words and shown inline; JSON by lines of its pretty, key-sorted form. */
  kind: 'text' | 'json';
  parts: DiffPart[];
}

const FIELDS: { field: keyof ToolDefinition; label: string; kind: 'text' | 'json' }[] = [
  { field: 'title', label: 'Title', kind: 'text' },
  { field: 'description', label: 'Description', kind: 'text' },
  { field: 'inputSchema', label: 'Input schema', kind: 'json' },
  { field: 'outputSchema', label: 'Output schema', kind: 'json' },
  { field: 'annotations', label: 'Annotations', kind: 'json' },
  { field: 'meta', label: '_meta', kind: 'json' },
  { field: 'execution', label: 'Execution', kind: 'json' },
];

/** Pretty JSON with keys sorted at every depth, so a reordered schema shows no change; '' for none. */
export function prettyJson(value: unknown): string {
  if (value === null || value === undefined) return '';
  return `${JSON.stringify(
    value,
    (_key, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
          )
        : v,
    2,
  )}\n`;
}

const asText = (kind: 'text' | 'json', value: unknown): string =>
  kind === 'json' ? prettyJson(value) : typeof value === 'string' ? value : '';

/**
 * What differs between the definition gateways serve and the one the server lists now, field by
 * field; for a new tool (nothing approved) every field it has, as added.
 */
export function definitionChanges(approved: ToolDefinition | null, pending: ToolDefinition): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const { field, label, kind } of FIELDS) {
    const before = approved ? asText(kind, approved[field]) : '';
    const after = asText(kind, pending[field]);
    if (before === after) continue;
    const diff = kind === 'json' ? diffLines(before, after) : diffWordsWithSpace(before, after);
    changes.push({
      field,
      label,
      kind,
      parts: diff.map((p) => ({
        value: p.value,
        change: p.added ? 'added' : p.removed ? 'removed' : 'kept',
      })),
    });
  }
  return changes;
}
