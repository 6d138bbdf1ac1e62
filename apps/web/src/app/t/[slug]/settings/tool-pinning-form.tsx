'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { Alert } from '~/components/ui/alert';
import { SelectField } from '~/components/ui/field';
import { Spinner } from '~/components/ui/spinner';
import { Switch } from '~/components/ui/switch';
import { useTRPC } from '~/trpc/react';

const ON_CHANGE_OPTIONS = [
  { value: 'serve_approved', label: 'Keep serving the approved definition' },
  { value: 'disable', label: 'Switch the tool off until the change is approved' },
] as const;

type OnToolChange = (typeof ON_CHANGE_OPTIONS)[number]['value'];

/**
 * Tool-definition pinning: whether tools a server adds are approved on sight, and what gateways
 * do with a tool whose definition changed while the change waits. Owners and admins change it
 * (saved at once); members read it.
 */
export function ToolPinningForm({ tenantSlug, isAdmin }: { tenantSlug: string; isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const settings = useQuery(trpc.toolChanges.settings.queryOptions());
  const save = useMutation(
    trpc.toolChanges.setSettings.mutationOptions({
      onSuccess: async (data) => {
        queryClient.setQueryData(trpc.toolChanges.settings.queryKey(), data);
        await queryClient.invalidateQueries(trpc.toolChanges.settings.queryFilter());
      },
    }),
  );
  const current = settings.data;
  const autoApprove = save.isPending
    ? (save.variables.autoApproveNewTools ?? current?.autoApproveNewTools ?? true)
    : (current?.autoApproveNewTools ?? true);
  const onToolChange: OnToolChange = save.isPending
    ? (save.variables.onToolChange ?? current?.onToolChange ?? 'serve_approved')
    : (current?.onToolChange ?? 'serve_approved');

  return (
    <section
      aria-labelledby="tool-pinning-title"
      className="mt-8 overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs"
    >
      <h2
        id="tool-pinning-title"
        className="border-b border-slate-200 px-5 py-3.5 text-sm font-semibold text-slate-900"
      >
        Tool definitions
      </h2>
      <div className="flex flex-col gap-5 px-5 py-4">
        {settings.isPending ? (
          <p role="status" className="flex items-center gap-2 text-sm text-slate-500">
            <Spinner className="size-4" /> Loading…
          </p>
        ) : settings.error ? (
          <Alert>{settings.error.message}</Alert>
        ) : (
          <>
            <p className="text-sm text-slate-600">
              Gateways serve each tool’s description, schemas and annotations as approved. A server that
              changes them later cannot change what agents are told until an admin approves the change in{' '}
              <Link href={`/t/${tenantSlug}/tool-changes`} className="text-brand-700 hover:underline">
                Tool changes
              </Link>
              .
            </p>
            <div className="flex items-start justify-between gap-6">
              <div className="text-sm">
                <p className="font-medium text-slate-900">Approve new tools automatically</p>
                <p className="mt-0.5 text-slate-600">
                  {isAdmin
                    ? 'On: a tool a server adds is approved as first listed. Off: it is not served until approved.'
                    : `${autoApprove ? 'On' : 'Off'}. Owners and admins can change this.`}
                </p>
              </div>
              {isAdmin && (
                <Switch
                  label="Approve new tools automatically"
                  checked={autoApprove}
                  pending={save.isPending}
                  onChange={(autoApproveNewTools) => save.mutate({ autoApproveNewTools })}
                />
              )}
            </div>
            {isAdmin ? (
              <SelectField
                label="While a changed tool waits for review"
                className="sm:max-w-md"
                options={ON_CHANGE_OPTIONS}
                value={onToolChange}
                disabled={save.isPending}
                onChange={(e) => save.mutate({ onToolChange: e.target.value as OnToolChange })}
              />
            ) : (
              <p className="text-sm text-slate-600">
                While a changed tool waits for review:{' '}
                <span className="font-medium text-slate-900">
                  {ON_CHANGE_OPTIONS.find((o) => o.value === onToolChange)?.label.toLowerCase()}
                </span>
                .
              </p>
            )}
          </>
        )}
        {save.error && <Alert>{save.error.message}</Alert>}
      </div>
    </section>
  );
}
