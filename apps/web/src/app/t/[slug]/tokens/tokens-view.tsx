'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ZCreateApiTokenRequest, type ApiToken, type CreatedApiToken } from '@toolgate/api/schemas/tokens';
import { useMemo, useState, type FormEvent } from 'react';
import { CopyButton } from '~/components/copy-button';
import { DataTable, dataTableColumnHelper } from '~/components/data-table';
import { KeyIcon, PlusIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { Dialog } from '~/components/ui/dialog';
import { SelectField, TextField } from '~/components/ui/field';
import { PageHeader } from '~/components/ui/page-header';
import { fieldErrors, type FieldErrors } from '~/schemas/field-errors';
import { errorFields, useTRPC } from '~/trpc/react';

const column = dataTableColumnHelper<ApiToken>();
const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium' });
const when = (iso: string | null, none: string) =>
  iso ? (
    <time dateTime={iso} className="text-slate-600 tabular-nums">
      {dateFormat.format(new Date(iso))}
    </time>
  ) : (
    <span className="text-slate-400">{none}</span>
  );

const EXPIRY = [
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: 'never', label: 'Never' },
];

export function TokensView({ isAdmin }: { isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const revoke = useMutation(
    trpc.tokens.revoke.mutationOptions({
      onSuccess: async () => {
        setRevoking(null);
        await queryClient.invalidateQueries(trpc.tokens.list.queryFilter());
      },
    }),
  );

  const columns = useMemo(
    () =>
      column.columns([
        column.accessor((t) => `${t.name} ${t.displayPrefix}`, {
          id: 'name',
          header: 'Token',
          sortFn: 'text',
          cell: (info) => (
            <div className="min-w-0">
              <p className="truncate font-medium text-slate-900">{info.row.original.name}</p>
              <p className="truncate font-mono text-xs text-slate-500">{info.row.original.displayPrefix}…</p>
            </div>
          ),
        }),
        column.accessor('scope', {
          header: 'Scope',
          sortFn: 'text',
          meta: { className: 'w-28', skeleton: 'badge' },
          cell: (info) => (
            <Badge tone={info.getValue() === 'user' ? 'slate' : 'brand'}>{info.getValue()}</Badge>
          ),
        }),
        column.accessor('createdAt', {
          header: 'Created',
          sortFn: 'text',
          enableGlobalFilter: false,
          meta: { className: 'w-32' },
          cell: (info) => when(info.getValue(), '—'),
        }),
        column.accessor((t) => t.lastUsedAt ?? '', {
          id: 'lastUsed',
          header: 'Last used',
          sortFn: 'text',
          enableGlobalFilter: false,
          meta: { className: 'w-32' },
          cell: (info) => when(info.row.original.lastUsedAt, 'Never'),
        }),
        column.accessor((t) => t.expiresAt ?? '', {
          id: 'expires',
          header: 'Expires',
          sortFn: 'text',
          enableGlobalFilter: false,
          meta: { className: 'w-32' },
          cell: (info) => when(info.row.original.expiresAt, 'Never'),
        }),
        column.accessor((t) => (t.revokedAt ? 'revoked' : 'active'), {
          id: 'actions',
          header: '',
          enableGlobalFilter: false,
          enableSorting: false,
          meta: { className: 'w-28 text-right' },
          cell: (info) =>
            info.row.original.revokedAt ? (
              <Badge tone="amber">Revoked</Badge>
            ) : (
              <Button size="sm" variant="ghost" onClick={() => setRevoking(info.row.original)}>
                Revoke
              </Button>
            ),
        }),
      ]),
    [],
  );

  const createButton = (
    <Button onClick={() => setCreating(true)}>
      <PlusIcon className="size-4" />
      Create token
    </Button>
  );

  return (
    <>
      <PageHeader
        title="Tokens"
        description="API tokens let MCP clients call your gateways and scripts use the REST API."
        actions={createButton}
      />
      <div className="mt-8">
        <DataTable
          noun="tokens"
          columns={columns}
          data={tokens.data}
          getRowId={(t) => t.id}
          isLoading={tokens.isPending}
          error={tokens.error}
          onRetry={() => void tokens.refetch()}
          searchPlaceholder="Search tokens"
          initialSorting={[{ id: 'createdAt', desc: true }]}
          empty={{
            icon: KeyIcon,
            title: 'No tokens yet',
            description: 'Create a token to connect Claude Desktop, Cursor or an agent to a gateway.',
            action: createButton,
          }}
        />
      </div>
      <Dialog open={creating} onClose={() => setCreating(false)} title="Create a token">
        <CreateTokenForm isAdmin={isAdmin} onDone={() => setCreating(false)} />
      </Dialog>
      <Dialog
        open={revoking !== null}
        onClose={() => setRevoking(null)}
        title="Revoke token?"
        description={
          <>
            Clients using <strong>{revoking?.name}</strong> stop working immediately. This cannot be undone.
          </>
        }
      >
        {revoke.error && <Alert className="mb-4">{revoke.error.message}</Alert>}
        <div className="flex justify-end gap-3">
          <Button variant="secondary" onClick={() => setRevoking(null)}>
            Cancel
          </Button>
          <Button
            variant="danger"
            pending={revoke.isPending}
            onClick={() => revoking && revoke.mutate({ id: revoking.id })}
          >
            Revoke token
          </Button>
        </div>
      </Dialog>
    </>
  );
}

function CreateTokenForm({ isAdmin, onDone }: { isAdmin: boolean; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [scope, setScope] = useState<'user' | 'org'>('user');
  const [expiry, setExpiry] = useState('90');
  const [errors, setErrors] = useState<FieldErrors<'name' | 'scope' | 'expiresAt'>>({});
  const [created, setCreated] = useState<CreatedApiToken | null>(null);

  const create = useMutation(
    trpc.tokens.create.mutationOptions({
      onSuccess: async (token) => {
        setCreated(token);
        await queryClient.invalidateQueries(trpc.tokens.list.queryFilter());
      },
      onError: (error) => setErrors(errorFields(error)),
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const expiresAt =
      expiry === 'never' ? null : new Date(Date.now() + Number(expiry) * 86_400_000).toISOString();
    const input = { name, scope, expiresAt };
    const parsed = ZCreateApiTokenRequest.safeParse(input);
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error));
      return;
    }
    setErrors({});
    create.mutate(input);
  }

  if (created)
    return (
      <div className="flex flex-col gap-4">
        <Alert tone="success">Token created. Copy it now — it will not be shown again.</Alert>
        <div className="flex items-center justify-between gap-2 rounded-lg bg-slate-900 py-1.5 pr-1.5 pl-3">
          <code data-testid="new-token" className="font-mono text-sm break-all text-slate-100">
            {created.token}
          </code>
          <CopyButton value={created.token} label="Copy token" />
        </div>
        <div className="flex justify-end">
          <Button onClick={onDone}>Done</Button>
        </div>
      </div>
    );

  const fieldError = Object.values(errors).some(Boolean);
  return (
    <form noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
      {create.error && !fieldError && <Alert>{create.error.message}</Alert>}
      <TextField
        label="Token name"
        name="name"
        autoFocus
        placeholder="My laptop"
        value={name}
        onChange={(e) => {
          setName(e.target.value);
          setErrors((err) => ({ ...err, name: undefined }));
        }}
        error={errors.name}
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <SelectField
          label="Scope"
          name="scope"
          value={scope}
          onChange={(e) => setScope(e.target.value as 'user' | 'org')}
          options={[
            { value: 'user', label: 'Personal (acts as you)' },
            ...(isAdmin ? [{ value: 'org', label: 'Organization' }] : []),
          ]}
          error={errors.scope}
        />
        <SelectField
          label="Expires"
          name="expiry"
          value={expiry}
          onChange={(e) => setExpiry(e.target.value)}
          options={EXPIRY}
          error={errors.expiresAt}
        />
      </div>
      <div className="mt-2 flex justify-end gap-3">
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" pending={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create token'}
        </Button>
      </div>
    </form>
  );
}
