'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ZCreateGatewayRequest } from '@toolgate/api/schemas/gateways';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { fieldErrors } from '@toolgate/api/schemas/field-errors';
import { DataTable, dataTableColumnHelper, DateCell } from '~/components/data-table';
import { GatewayIcon, PlusIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { Dialog, FormActions } from '~/components/ui/dialog';
import { SelectField, TextField } from '~/components/ui/field';
import { PageHeader } from '~/components/ui/page-header';
import { useFieldErrors } from '~/components/use-field-errors';
import { useNameAndSlug } from '~/components/use-name-and-slug';
import { errorFields, useTRPC } from '~/trpc/react';
import { TeamChecklist } from './team-checklist';

interface GatewayRow {
  id: string;
  slug: string;
  name: string;
  description: string;
  visibility: 'org' | 'teams';
  url: string;
  assignments: unknown[];
  createdAt: string;
}

const column = dataTableColumnHelper<GatewayRow>();

function gatewayColumns(tenantSlug: string) {
  return column.columns([
    column.accessor((g) => `${g.name} ${g.slug} ${g.description}`, {
      id: 'name',
      header: 'Gateway',
      sortFn: 'text',
      cell: (info) => {
        const g = info.row.original;
        return (
          <div className="flex min-w-0 items-center gap-3">
            <span className="flex size-9 shrink-0 items-center justify-center rounded-lg bg-brand-50 text-brand-600">
              <GatewayIcon className="size-5" />
            </span>
            <div className="min-w-0">
              <Link
                href={`/t/${tenantSlug}/gateways/${g.id}`}
                className="truncate font-medium text-slate-900 hover:text-brand-700 hover:underline"
              >
                {g.name}
              </Link>
              <p className="truncate font-mono text-xs text-slate-500">{g.url}</p>
            </div>
          </div>
        );
      },
      meta: { skeleton: 'avatar' },
    }),
    column.accessor('visibility', {
      header: 'Visibility',
      sortFn: 'text',
      filterFn: 'equalsString',
      enableGlobalFilter: false,
      meta: { className: 'w-32', skeleton: 'badge' },
      cell: (info) => (
        <Badge tone={info.getValue() === 'org' ? 'brand' : 'amber'}>
          {info.getValue() === 'org' ? 'Organization' : 'Teams'}
        </Badge>
      ),
    }),
    column.accessor((g) => g.assignments.length, {
      id: 'tools',
      header: 'Tools',
      sortFn: 'basic',
      enableGlobalFilter: false,
      meta: { className: 'w-28' },
      cell: (info) => <span className="text-slate-600 tabular-nums">{info.getValue()}</span>,
    }),
    column.accessor('createdAt', {
      header: 'Created',
      sortFn: 'text',
      enableGlobalFilter: false,
      meta: { className: 'w-40' },
      cell: (info) => <DateCell value={info.getValue()} />,
    }),
  ]);
}

export function GatewaysView({ tenantSlug, isAdmin }: { tenantSlug: string; isAdmin: boolean }) {
  const trpc = useTRPC();
  const gateways = useQuery(trpc.gateways.list.queryOptions());
  const [creating, setCreating] = useState(false);
  const [columns] = useState(() => gatewayColumns(tenantSlug));

  const createButton = isAdmin ? (
    <Button onClick={() => setCreating(true)}>
      <PlusIcon className="size-4" />
      Create gateway
    </Button>
  ) : null;

  return (
    <>
      <PageHeader
        title="Gateways"
        description="Named endpoints that expose a chosen set of tools to MCP clients."
        actions={createButton}
      />
      <div className="mt-8">
        <DataTable
          noun="gateways"
          columns={columns}
          data={gateways.data}
          getRowId={(g) => g.id}
          isLoading={gateways.isPending}
          error={gateways.error}
          onRetry={() => void gateways.refetch()}
          searchPlaceholder="Search gateways"
          initialSorting={[{ id: 'name', desc: false }]}
          facets={[
            {
              columnId: 'visibility',
              allLabel: 'All visibilities',
              options: [
                { value: 'org', label: 'Organization' },
                { value: 'teams', label: 'Teams' },
              ],
            },
          ]}
          empty={{
            icon: GatewayIcon,
            title: 'No gateways yet',
            description: isAdmin
              ? 'Create a gateway, pick the tools it exposes, and connect Claude Desktop, Cursor or your agents to its URL.'
              : 'No gateway is shared with you or your teams yet. Ask an owner or admin.',
            action: createButton,
          }}
        />
      </div>
      {isAdmin && (
        <Dialog
          open={creating}
          onClose={() => setCreating(false)}
          title="Create a gateway"
          description="You pick its tools next."
        >
          <CreateGatewayForm tenantSlug={tenantSlug} onCancel={() => setCreating(false)} />
        </Dialog>
      )}
    </>
  );
}

type Field = 'name' | 'slug' | 'description' | 'visibility' | 'teamIds';

function CreateGatewayForm({ tenantSlug, onCancel }: { tenantSlug: string; onCancel: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { name, slug, setName, editSlug } = useNameAndSlug();
  const [description, setDescription] = useState('');
  const [visibility, setVisibility] = useState<'org' | 'teams'>('org');
  const [teamIds, setTeamIds] = useState<string[]>([]);
  const { form, errors, setErrors, showErrors, clearError } = useFieldErrors<Field>();

  const create = useMutation(
    trpc.gateways.create.mutationOptions({
      onSuccess: async (gateway) => {
        await queryClient.invalidateQueries(trpc.gateways.list.queryFilter());
        router.push(`/t/${tenantSlug}/gateways/${gateway.id}`);
      },
      onError: (error) => setErrors(errorFields(error)),
    }),
  );
  const serverFieldError = Object.values(errors).some(Boolean);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = { name, slug, description, visibility, teamIds: visibility === 'teams' ? teamIds : [] };
    const parsed = ZCreateGatewayRequest.safeParse(input);
    if (!parsed.success) return showErrors(fieldErrors(parsed.error));
    setErrors({});
    create.mutate(input);
  }

  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
      {create.error && !serverFieldError && <Alert>{create.error.message}</Alert>}
      <TextField
        label="Name"
        name="name"
        autoFocus
        maxLength={100}
        placeholder="Engineering"
        value={name}
        onChange={(e) => {
          setName(e.target.value);
          clearError('name');
        }}
        error={errors.name}
      />
      <TextField
        label="Slug"
        name="slug"
        autoComplete="off"
        spellCheck={false}
        placeholder="engineering"
        maxLength={40}
        value={slug}
        onChange={(e) => {
          editSlug(e.target.value);
          clearError('slug');
        }}
        error={errors.slug}
        hint={`Part of the URL: /mcp/${tenantSlug}/${slug || '<slug>'}`}
      />
      <TextField
        label="Description"
        name="description"
        placeholder="Optional"
        maxLength={2000}
        value={description}
        onChange={(e) => setDescription(e.target.value)}
        error={errors.description}
      />
      <SelectField
        label="Visibility"
        name="visibility"
        value={visibility}
        onChange={(e) => setVisibility(e.target.value as 'org' | 'teams')}
        options={[
          { value: 'org', label: 'Everyone in the organization' },
          { value: 'teams', label: 'Selected teams only' },
        ]}
      />
      {visibility === 'teams' && (
        <TeamChecklist
          tenantSlug={tenantSlug}
          value={teamIds}
          onChange={(ids) => {
            setTeamIds(ids);
            clearError('teamIds');
          }}
          error={errors.teamIds}
        />
      )}
      <FormActions
        onCancel={onCancel}
        pending={create.isPending}
        pendingLabel="Creating…"
        submitLabel="Create gateway"
      />
    </form>
  );
}
