'use client';

import Link from 'next/link';
import { useId } from 'react';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { cx } from '~/components/ui/cx';
import {
  describeReview,
  isLive,
  matchesSearch,
  newRow,
  RESOURCES,
  rowKey,
  type OnToolChange,
  type Row,
  type ServerGroup,
} from './assignment-model';
import type { NameCheck } from './exposed-names';
import { InstallationSelect } from './installation-select';
import { aliasInputClass, PromptPicker } from './prompt-rows';

export interface RowProblem {
  name: string;
  message: string;
}

interface Props {
  group: ServerGroup;
  rows: ReadonlyMap<string, Row>;
  checks: ReadonlyMap<string, NameCheck>;
  problems: ReadonlyMap<string, RowProblem>;
  readOnly: boolean;
  /** The picker's search: only tools (and prompts) whose name or description contain it are shown. */
  query: string;
  edit: (change: (next: Map<string, Row>) => void) => void;
  /** The workspace's pinning choice, for what gateways do while a change waits. */
  onToolChange: OnToolChange;
  /** The Tool changes page, where waiting definitions are reviewed. */
  reviewHref: string;
}

/** One server's tools, prompts and resources as the gateway exposes them. */
export function ServerGroupCard({
  group,
  rows,
  checks,
  problems,
  readOnly,
  query,
  edit,
  onToolChange,
  reviewHref,
}: Props) {
  const mine = [...rows.entries()].filter(([, r]) => r.registryEntryId === group.id);
  const assignedTools = mine.filter(([, r]) => r.kind === 'tool').map(([, r]) => r.toolName);
  const toolNames = readOnly ? assignedTools : [...new Set([...group.discovered.keys(), ...assignedTools])];
  const shownTools = toolNames.filter((t) => matchesSearch(query, t, group.discovered.get(t)));
  const unpicked = shownTools.filter((t) => !rows.has(rowKey(group.id, 'tool', t)));
  const pickedShown = shownTools.filter((t) => rows.has(rowKey(group.id, 'tool', t)));
  const resourcesKey = rowKey(group.id, 'resources', RESOURCES);
  const resources = rows.get(resourcesKey);
  const picked = assignedTools.length;
  const notReady = group.installations.filter((i) => i.status !== 'ready');

  const update = (key: string, patch: Partial<Row>) =>
    edit((next) => {
      const row = next.get(key);
      if (row) next.set(key, { ...row, ...patch });
    });

  return (
    <fieldset
      aria-label={group.name}
      className="overflow-hidden rounded-xl bg-white shadow-xs ring-1 ring-slate-200"
      disabled={readOnly}
    >
      <div className="flex items-center justify-between border-b border-slate-200 bg-slate-50 px-4 py-2.5">
        <p className="font-medium text-slate-900">
          {group.name} <span className="font-mono text-xs text-slate-500">{group.slug}</span>
        </p>
        <div className="flex items-center gap-3">
          <span className="text-xs text-slate-500">
            {readOnly ? `${picked} tools` : `${picked} of ${toolNames.length} tools picked`}
          </span>
          {!readOnly && shownTools.length > 0 && (
            <span className="flex items-center gap-1">
              <Button
                size="sm"
                variant="ghost"
                disabled={unpicked.length === 0}
                aria-label={`Select all ${query.trim() ? 'matching ' : ''}tools of ${group.name}`}
                onClick={() =>
                  edit((next) => {
                    for (const t of unpicked)
                      next.set(rowKey(group.id, 'tool', t), newRow(group.id, 'tool', t));
                  })
                }
              >
                Select all
              </Button>
              <Button
                size="sm"
                variant="ghost"
                disabled={pickedShown.length === 0}
                aria-label={`Select no ${query.trim() ? 'matching ' : ''}tools of ${group.name}`}
                onClick={() =>
                  edit((next) => {
                    for (const t of pickedShown) next.delete(rowKey(group.id, 'tool', t));
                  })
                }
              >
                None
              </Button>
            </span>
          )}
        </div>
      </div>
      {notReady.length > 0 && (
        <ul className="border-b border-slate-100 bg-amber-50/60 px-4 py-2 text-xs text-amber-800">
          {notReady.map((i) => (
            <li key={i.id}>
              {i.name}: {i.lastError ?? (i.status === 'pending' ? 'not discovered yet' : 'not ready')}
              {' — '}calls through it may fail until it is ready again.
            </li>
          ))}
        </ul>
      )}
      {toolNames.length > 0 && shownTools.length === 0 && (
        <p className="px-4 py-3 text-sm text-slate-500">
          No tools of {group.name} match “{query.trim()}”.
        </p>
      )}
      {shownTools.length > 0 && (
        <ul aria-label={`${group.name} tools`} className="divide-y divide-slate-100">
          {shownTools.map((tool) => {
            const key = rowKey(group.id, 'tool', tool);
            const review = group.reviews.get(tool);
            return (
              <ToolRow
                key={tool}
                group={group}
                tool={tool}
                description={group.discovered.get(tool)}
                row={rows.get(key)}
                check={checks.get(key)}
                problem={problems.get(key)}
                review={review && describeReview(review, onToolChange, group.installations.length)}
                reviewHref={reviewHref}
                onToggle={(on) =>
                  edit((next) => {
                    if (!on) next.delete(key);
                    else next.set(key, newRow(group.id, 'tool', tool));
                  })
                }
                onChange={(patch) => update(key, patch)}
              />
            );
          })}
        </ul>
      )}
      <div className="flex flex-col gap-3 border-t border-slate-100 px-4 py-3">
        {(!readOnly || resources) && (
          <div className="flex flex-wrap items-center gap-3">
            <label className="flex items-center gap-2 text-sm text-slate-700">
              <input
                type="checkbox"
                className="size-4 accent-brand-600"
                checked={Boolean(resources)}
                onChange={(e) =>
                  edit((next) => {
                    if (!e.target.checked) next.delete(resourcesKey);
                    else next.set(resourcesKey, newRow(group.id, 'resources', RESOURCES));
                  })
                }
              />
              Expose resources
            </label>
            {resources && (
              <InstallationSelect
                group={group}
                label={`Installation for ${group.slug} resources`}
                value={resources.installationId}
                onChange={(installationId) => update(resourcesKey, { installationId })}
              />
            )}
            {problems.get(resourcesKey) && (
              <p className="w-full text-sm text-red-600">{problems.get(resourcesKey)!.message}</p>
            )}
          </div>
        )}
        <PromptPicker
          group={group}
          rows={rows}
          checks={checks}
          problems={problems}
          readOnly={readOnly}
          query={query}
          edit={edit}
        />
      </div>
    </fieldset>
  );
}

function ToolRow({
  group,
  tool,
  description,
  row,
  check,
  problem,
  review,
  reviewHref,
  onToggle,
  onChange,
}: {
  group: ServerGroup;
  tool: string;
  description: string | undefined;
  row: Row | undefined;
  check: NameCheck | undefined;
  problem: RowProblem | undefined;
  /** How its definition's review reads, when it is not approved as listed. */
  review: { badge: string; detail: string } | undefined;
  reviewHref: string;
  onToggle: (on: boolean) => void;
  onChange: (patch: Partial<Row>) => void;
}) {
  const id = useId();
  const generated = `${group.slug}__${tool}`;
  const live = row ? isLive(group, row) : true;
  return (
    <li className={cx('px-4 py-2.5', problem && 'bg-red-50/60')}>
      <div className="flex items-center gap-3">
        <input
          type="checkbox"
          id={`${id}-pick`}
          aria-label={generated}
          className="size-4 accent-brand-600"
          checked={Boolean(row)}
          onChange={(e) => onToggle(e.target.checked)}
        />
        <label htmlFor={`${id}-pick`} className="min-w-0 flex-1">
          <code className="font-mono text-sm text-slate-900">{tool}</code>
          {description === undefined && (
            <Badge tone="amber" className="ml-2">
              Not discovered
            </Badge>
          )}
          {review && (
            <Badge tone="amber" className="ml-2">
              {review.badge}
            </Badge>
          )}
          {description && <p className="line-clamp-1 text-xs text-slate-500">{description}</p>}
        </label>
        {row && check && (
          <span className="hidden text-xs text-slate-500 sm:inline">
            Exposed as <code className="font-mono text-slate-800">{check.name}</code>
          </span>
        )}
      </div>
      {review && (
        <p className="mt-1 ml-7 text-xs text-amber-800">
          {review.detail}{' '}
          <Link href={reviewHref} className="font-medium underline">
            Review it under Tool changes
          </Link>
        </p>
      )}
      {row && (
        <div className="mt-2 ml-7 flex flex-col gap-2">
          <div className="flex flex-wrap items-center gap-2">
            <input
              aria-label={`Alias for ${generated}`}
              placeholder={generated}
              value={row.alias}
              maxLength={128}
              aria-invalid={problem ? true : undefined}
              aria-describedby={problem ? `${id}-problem` : undefined}
              onChange={(e) => onChange({ alias: e.target.value })}
              className={aliasInputClass(Boolean(problem))}
            />
            <InstallationSelect
              group={group}
              label={`Installation for ${generated}`}
              value={row.installationId}
              onChange={(installationId) => onChange({ installationId })}
            />
            {row.descriptionOverride === null ? (
              <Button
                size="sm"
                variant="ghost"
                onClick={() => onChange({ descriptionOverride: description ?? '' })}
              >
                Override description
              </Button>
            ) : (
              <Button size="sm" variant="ghost" onClick={() => onChange({ descriptionOverride: null })}>
                Use server description
              </Button>
            )}
          </div>
          {row.descriptionOverride !== null && (
            <textarea
              aria-label={`Description for ${generated}`}
              value={row.descriptionOverride}
              maxLength={2000}
              rows={2}
              onChange={(e) => onChange({ descriptionOverride: e.target.value })}
              className="w-full max-w-xl rounded-md bg-white px-2 py-1.5 text-xs ring-1 ring-slate-300 outline-none focus:ring-2 focus:ring-brand-500"
            />
          )}
          {problem && (
            <p id={`${id}-problem`} className="text-sm text-red-600">
              {problem.message}
            </p>
          )}
          {!live && !review && (
            <p className="text-xs text-amber-700">
              {row.installationId
                ? 'Not discovered (or disabled) on the pinned installation: clients will not see it until it is.'
                : 'Not discovered on any enabled installation yet: clients will not see it until it is.'}
            </p>
          )}
        </div>
      )}
    </li>
  );
}
