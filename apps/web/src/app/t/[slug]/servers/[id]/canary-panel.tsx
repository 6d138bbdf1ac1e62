'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Installation } from '@toolgate/api/schemas/installations';
import { useState, type FormEvent } from 'react';
import { Alert } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { ConfirmDialog, Dialog, FormActions } from '~/components/ui/dialog';
import { SelectField, TextField } from '~/components/ui/field';
import { errorFields, useTRPC } from '~/trpc/react';
import { CanaryComparisonTable } from '~/components/usage/canary-comparison-table';
import { versionLabel } from './version-label';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * The installation's canary: which version, for what share of callers, since when, and (for those
 * who manage the installation) its calls, error rate and latency next to the stable version's, with
 * Promote and Roll back. Without a canary, managers can start one.
 */
export function CanaryPanel({
  installation,
  stable,
  manageable,
}: {
  installation: Installation;
  stable: string | null;
  manageable: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { canary } = installation;
  const report = useQuery({
    ...trpc.installationVersions.canary.queryOptions({ installationId: installation.id }),
    enabled: canary !== null && manageable,
    refetchInterval: 30_000,
  });
  const [confirm, setConfirm] = useState<'promote' | 'rollback' | null>(null);
  const [starting, setStarting] = useState(false);
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.installations.get.queryFilter({ id: installation.id })),
      queryClient.invalidateQueries(trpc.installationVersions.canary.queryFilter()),
      queryClient.invalidateQueries(trpc.installationVersions.versions.queryFilter()),
    ]);
  const done = { onSuccess: async () => (setConfirm(null), await refresh()) };
  const promote = useMutation(trpc.installationVersions.promoteCanary.mutationOptions(done));
  const rollBack = useMutation(trpc.installationVersions.rollBackCanary.mutationOptions(done));

  if (!canary) {
    if (!manageable) return null;
    return (
      <div className="flex items-center justify-between gap-3 border-t border-slate-100 pt-4">
        <p className="text-slate-600">
          No canary. Try another version on a share of callers before every caller gets it.
        </p>
        <Button variant="secondary" onClick={() => setStarting(true)}>
          Start canary
        </Button>
        <StartCanaryDialog
          open={starting}
          onClose={() => setStarting(false)}
          installationId={installation.id}
          stable={stable}
          onStarted={async () => (setStarting(false), await refresh())}
        />
      </div>
    );
  }

  const comparison = report.data?.comparison ?? null;
  const action = confirm === 'promote' ? promote : rollBack;
  return (
    <div className="flex flex-col gap-3 border-t border-slate-100 pt-4" aria-label="Canary">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-slate-900">
          <Badge tone="amber">Canary</Badge> <code className="font-mono text-xs">{canary.version}</code> for{' '}
          <strong>{canary.percent}%</strong> of callers, since {dateTime.format(new Date(canary.startedAt))}
        </p>
        {manageable && (
          <div className="flex gap-2">
            <Button variant="secondary" onClick={() => (rollBack.reset(), setConfirm('rollback'))}>
              Roll back
            </Button>
            <Button onClick={() => (promote.reset(), setConfirm('promote'))}>Promote</Button>
          </div>
        )}
      </div>
      {manageable && report.error && <Alert>{report.error.message}</Alert>}
      {comparison && <CanaryComparisonTable comparison={comparison} />}
      <ConfirmDialog
        open={confirm !== null}
        onClose={() => setConfirm(null)}
        title={confirm === 'promote' ? `Promote ${canary.version}?` : 'Roll back the canary?'}
        description={
          confirm === 'promote'
            ? `Every caller moves to ${canary.version}, which becomes the pinned version.`
            : `The ${canary.percent}% of callers on ${canary.version} go back to ${stable ?? 'the stable version'}.`
        }
        error={action.error}
        confirmLabel={confirm === 'promote' ? 'Promote' : 'Roll back'}
        pending={action.isPending}
        onConfirm={() => action.mutate({ installationId: installation.id })}
      />
    </div>
  );
}

function StartCanaryDialog({
  open,
  onClose,
  installationId,
  stable,
  onStarted,
}: {
  open: boolean;
  onClose: () => void;
  installationId: string;
  stable: string | null;
  onStarted: () => Promise<unknown>;
}) {
  const trpc = useTRPC();
  const versions = useQuery({
    ...trpc.installationVersions.versions.queryOptions({ installationId }),
    enabled: open,
    retry: false,
  });
  const [version, setVersion] = useState('');
  const [share, setShare] = useState('10');
  const start = useMutation(trpc.installationVersions.startCanary.mutationOptions({ onSuccess: onStarted }));
  const fields = errorFields(start.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    start.mutate({ installationId, version, percent: Number(share) });
  };
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="Start a canary"
      description={`The chosen share of callers (each caller always to the same side) is sent to this version; the rest stay on ${stable ?? 'the stable version'}.`}
    >
      <form onSubmit={submit} className="flex flex-col gap-4">
        {versions.error && <Alert>Versions unavailable: {versions.error.message}</Alert>}
        {start.error && !fields.version && !fields.percent && <Alert>{start.error.message}</Alert>}
        <SelectField
          label="Version"
          value={version}
          required
          disabled={versions.isPending}
          onChange={(e) => setVersion(e.target.value)}
          error={fields.version}
          options={[
            { value: '', label: versions.isPending ? 'Loading versions…' : 'Choose a version' },
            ...(versions.data?.versions ?? [])
              .filter((v) => v.version !== stable)
              .map((v) => ({ value: v.version, label: versionLabel(v) })),
          ]}
        />
        <TextField
          label="Share of callers (%)"
          type="number"
          min={1}
          max={99}
          step={1}
          required
          value={share}
          onChange={(e) => setShare(e.target.value)}
          error={fields.percent}
          hint="1 to 99. Each caller stays on one side while the canary runs."
        />
        <FormActions onCancel={onClose} submitLabel="Start canary" pending={start.isPending} />
      </form>
    </Dialog>
  );
}
