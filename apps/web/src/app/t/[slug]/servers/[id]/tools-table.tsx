'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Tool } from '@toolgate/api/schemas/installations';
import type { RegistryEntry } from '@toolgate/api/schemas/registry';
import { useMemo } from 'react';
import { DataTable, dataTableColumnHelper } from '~/components/data-table';
import { ServerIcon } from '~/components/icons';
import { Badge } from '~/components/ui/badge';
import { Switch } from '~/components/ui/switch';
import { useTRPC } from '~/trpc/react';
import { ToolLabelsCell } from './tool-labels-cell';
import { ToolLimitCell } from './tool-limit-cell';

const column = dataTableColumnHelper<Tool>();

/** The discovered tools: labels, call limits, and on/off for every gateway. */
export function ToolsTable({
  installationId,
  tools,
  manageable,
  entry,
  canLabel,
}: {
  installationId: string;
  tools: Tool[];
  manageable: boolean;
  entry: RegistryEntry | undefined;
  /** Owners and admins label tools (policies read the labels). */
  canLabel: boolean;
}) {
  const columns = useMemo(
    () =>
      column.columns([
        column.accessor((t) => `${t.name} ${t.title ?? ''} ${t.description}`, {
          id: 'name',
          header: 'Tool',
          sortFn: 'text',
          cell: (info) => {
            const t = info.row.original;
            return (
              <div className="min-w-0">
                <code className="font-mono text-sm text-slate-900">{t.name}</code>
                {t.title && <span className="ml-2 text-slate-600">{t.title}</span>}
                {t.description && <p className="line-clamp-2 text-xs text-slate-500">{t.description}</p>}
              </div>
            );
          },
        }),
        column.accessor((t) => hints(t).join(' '), {
          id: 'hints',
          header: 'Hints',
          sortFn: 'text',
          enableGlobalFilter: false,
          meta: { className: 'w-44' },
          cell: (info) => (
            <span className="flex flex-wrap gap-1">
              {hints(info.row.original).map((h) => (
                <Badge key={h} tone={h === 'destructive' ? 'amber' : 'slate'}>
                  {h}
                </Badge>
              ))}
            </span>
          ),
        }),
        column.accessor((t) => [...t.labels, ...(entry?.toolLabels[t.name] ?? [])].join(' '), {
          id: 'labels',
          header: 'Labels',
          enableSorting: false,
          meta: { className: 'w-72' },
          cell: (info) => (
            <ToolLabelsCell
              installationId={installationId}
              tool={info.row.original}
              entry={entry}
              canEdit={canLabel}
            />
          ),
        }),
        column.accessor((t) => t.callsPerMinute ?? Number.POSITIVE_INFINITY, {
          id: 'limit',
          header: 'Limit',
          sortFn: 'basic',
          enableGlobalFilter: false,
          meta: { className: 'w-36' },
          cell: (info) => (
            <ToolLimitCell installationId={installationId} tool={info.row.original} canEdit={manageable} />
          ),
        }),
        column.accessor((t) => (t.enabled ? 'on' : 'off'), {
          id: 'enabled',
          header: 'Enabled',
          sortFn: 'text',
          filterFn: 'equalsString',
          enableGlobalFilter: false,
          meta: { className: 'w-28' },
          cell: (info) => (
            <ToolSwitch installationId={installationId} tool={info.row.original} manageable={manageable} />
          ),
        }),
      ]),
    [installationId, manageable, entry, canLabel],
  );
  return (
    <section aria-labelledby="tools-heading" className="flex flex-col gap-3">
      <h2 id="tools-heading" className="text-base font-semibold text-slate-900">
        Discovered tools
      </h2>
      <DataTable
        noun="tools"
        columns={columns}
        data={tools}
        getRowId={(t) => t.id}
        searchPlaceholder="Search tools"
        initialSorting={[{ id: 'name', desc: false }]}
        facets={[
          {
            columnId: 'enabled',
            allLabel: 'All tools',
            options: [
              { value: 'on', label: 'Enabled' },
              { value: 'off', label: 'Turned off' },
            ],
          },
        ]}
        empty={{
          icon: ServerIcon,
          title: 'No tools discovered',
          description: 'Refresh tools to ask the server again.',
        }}
      />
    </section>
  );
}

/** MCP tool annotations worth a glance. */
function hints(tool: Tool): string[] {
  const a = tool.annotations ?? {};
  const out: string[] = [];
  if (a.readOnlyHint === true) out.push('read-only');
  if (a.destructiveHint === true) out.push('destructive');
  if (a.openWorldHint === true) out.push('open world');
  return out;
}

function ToolSwitch({
  installationId,
  tool,
  manageable,
}: {
  installationId: string;
  tool: Tool;
  manageable: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const set = useMutation(
    trpc.installations.setToolEnabled.mutationOptions({
      onSettled: () =>
        Promise.all([
          queryClient.invalidateQueries(trpc.installations.get.queryFilter({ id: installationId })),
          queryClient.invalidateQueries(trpc.installations.list.queryFilter()),
        ]),
    }),
  );
  return (
    <span className="flex flex-col gap-1">
      <Switch
        label={`${tool.name} enabled`}
        checked={set.isPending ? set.variables.enabled : tool.enabled}
        pending={set.isPending}
        disabled={!manageable}
        onChange={(enabled) => set.mutate({ id: installationId, toolId: tool.id, enabled })}
      />
      {set.error && <span className="text-xs text-red-600">{set.error.message}</span>}
    </span>
  );
}
