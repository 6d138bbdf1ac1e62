'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { MAX_AUDIT_RETENTION_DAYS, MIN_AUDIT_RETENTION_DAYS } from '@toolgate/api/schemas/usage';
import { useState, type FormEvent } from 'react';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { TextField } from '~/components/ui/field';
import { Spinner } from '~/components/ui/spinner';
import { errorFields, useTRPC } from '~/trpc/react';

/**
 * How long the audit log keeps calls: owners and admins change it (up to the plan's maximum,
 * when the plan has one), members read it.
 */
export function AuditRetentionForm({ isAdmin }: { isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const retention = useQuery(trpc.usage.retention.queryOptions());
  const [draft, setDraft] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const save = useMutation(
    trpc.usage.setRetention.mutationOptions({
      onSuccess: async (data) => {
        setDraft(null);
        setSaved(true);
        queryClient.setQueryData(trpc.usage.retention.queryKey(), data);
        await queryClient.invalidateQueries(trpc.usage.retention.queryFilter());
      },
    }),
  );

  const value = draft ?? (retention.data ? String(retention.data.days) : '');
  const days = Number(value);
  const planMax = retention.data?.planMaxDays;
  const max = planMax === undefined ? MAX_AUDIT_RETENTION_DAYS : Math.min(planMax, MAX_AUDIT_RETENTION_DAYS);
  const valid = Number.isInteger(days) && days >= MIN_AUDIT_RETENTION_DAYS && days <= max;
  const planNote = planMax === undefined ? '' : ` Your plan keeps calls for at most ${planMax} days.`;
  // The server's field error (e.g. over the plan's maximum) until the value is changed.
  const serverError = draft !== null && save.error ? errorFields(save.error).days : undefined;
  const changed = retention.data !== undefined && draft !== null && days !== retention.data.days;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!valid) return;
    save.mutate({ days });
  };

  return (
    <section
      aria-labelledby="audit-retention-title"
      className="mt-8 overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs"
    >
      <h2
        id="audit-retention-title"
        className="border-b border-slate-200 px-5 py-3.5 text-sm font-semibold text-slate-900"
      >
        Audit log
      </h2>
      <div className="px-5 py-4">
        {retention.isPending ? (
          <p role="status" className="flex items-center gap-2 text-sm text-slate-500">
            <Spinner className="size-4" /> Loading…
          </p>
        ) : retention.error ? (
          <Alert>{retention.error.message}</Alert>
        ) : isAdmin ? (
          <form onSubmit={submit} className="flex flex-col gap-4 sm:max-w-md">
            <TextField
              label="Keep calls for (days)"
              type="number"
              inputMode="numeric"
              min={MIN_AUDIT_RETENTION_DAYS}
              max={max}
              step={1}
              value={value}
              onChange={(e) => {
                setSaved(false);
                save.reset();
                setDraft(e.target.value);
              }}
              error={
                draft !== null && !valid
                  ? `Between ${MIN_AUDIT_RETENTION_DAYS} and ${max} days${planMax === undefined ? '' : ' on your plan'}`
                  : serverError
              }
              hint={
                (retention.data.isDefault
                  ? `The default: ${retention.data.days} days. Older calls are deleted from the logs; usage charts keep their totals.`
                  : 'Older calls are deleted from the logs; usage charts keep their totals.') + planNote
              }
            />
            {save.error && !serverError && <Alert>{save.error.message}</Alert>}
            {saved && !changed && (
              <Alert tone="success">Saved. Calls are kept for {retention.data.days} days.</Alert>
            )}
            <div>
              <Button type="submit" pending={save.isPending} disabled={!changed || !valid}>
                Save retention
              </Button>
            </div>
          </form>
        ) : (
          <p className="text-sm text-slate-600">
            Calls are kept in the logs for{' '}
            <span className="font-medium text-slate-900">{retention.data.days} days</span>.{planNote} Owners
            and admins can change this.
          </p>
        )}
      </div>
    </section>
  );
}
