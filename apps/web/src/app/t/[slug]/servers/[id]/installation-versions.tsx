'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Installation } from '@toolgate/api/schemas/installations';
import type { RegistryEntry } from '@toolgate/api/schemas/registry';
import { useState } from 'react';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Dialog } from '~/components/ui/dialog';
import { SelectField } from '~/components/ui/field';
import { useTRPC } from '~/trpc/react';
import { CanaryPanel } from './canary-panel';
import { versionLabel } from './version-label';

/**
 * A packaged self-hosted server's versions: the one pinned (else the entry's), the one a runner
 * last started, "Upgrade to …" among the versions the npm registry offers, and its canary. Nothing
 * for other servers, whose version Toolgate does not choose. Those who cannot manage the
 * installation read without the controls.
 */
export function InstallationVersions({
  installation,
  entry,
  manageable,
}: {
  installation: Installation;
  entry: RegistryEntry | undefined;
  manageable: boolean;
}) {
  if (!entry?.package || entry.transport !== 'stdio') return null;
  const stable = installation.pinnedVersion ?? entry.version;
  return (
    <section
      aria-labelledby="versions-heading"
      className="flex flex-col gap-4 rounded-xl bg-white p-5 text-sm shadow-xs ring-1 ring-slate-200"
    >
      <div>
        <h2 id="versions-heading" className="text-base font-semibold text-slate-900">
          Version
        </h2>
        <p className="mt-0.5 text-slate-500">
          <code className="font-mono text-xs">{entry.package}</code> from the npm registry
        </p>
      </div>
      <dl className="grid gap-4 sm:grid-cols-2">
        <div>
          <dt className="text-slate-500">Pinned version</dt>
          <dd className="mt-1 text-slate-900" aria-label="Pinned version">
            {installation.pinnedVersion ? (
              <code className="font-mono text-xs">{installation.pinnedVersion}</code>
            ) : stable ? (
              <>
                <code className="font-mono text-xs">{stable}</code>{' '}
                <span className="text-slate-500">(the registry entry&apos;s)</span>
              </>
            ) : (
              <span className="text-slate-500">Not pinned</span>
            )}
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Running version</dt>
          <dd className="mt-1 text-slate-900" aria-label="Running version">
            {installation.packageVersion ? (
              <code className="font-mono text-xs">{installation.packageVersion}</code>
            ) : (
              <span className="text-slate-500">Not started yet</span>
            )}
          </dd>
        </div>
      </dl>
      {manageable && <UpgradeControl installation={installation} stable={stable} />}
      <CanaryPanel installation={installation} stable={stable} manageable={manageable} />
    </section>
  );
}

/** "Upgrade to …": the registry's versions (newest first); pinning asks first. */
function UpgradeControl({ installation, stable }: { installation: Installation; stable: string | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const versions = useQuery({
    ...trpc.installationVersions.versions.queryOptions({ installationId: installation.id }),
    retry: false,
  });
  const [chosen, setChosen] = useState('');
  const [confirming, setConfirming] = useState(false);
  const pin = useMutation(
    trpc.installationVersions.pin.mutationOptions({
      onSuccess: async () => {
        setConfirming(false);
        setChosen('');
        await Promise.all([
          queryClient.invalidateQueries(trpc.installations.get.queryFilter({ id: installation.id })),
          queryClient.invalidateQueries(trpc.installationVersions.versions.queryFilter()),
        ]);
      },
    }),
  );

  if (versions.error) return <Alert>Versions unavailable: {versions.error.message}</Alert>;
  const offered = (versions.data?.versions ?? []).filter((v) => v.version !== stable);
  const canaryRunning = installation.canary !== null;
  return (
    <div className="flex flex-wrap items-end gap-3">
      <SelectField
        label="Upgrade to …"
        className="min-w-56"
        value={chosen}
        disabled={versions.isPending || canaryRunning}
        onChange={(e) => setChosen(e.target.value)}
        options={[
          { value: '', label: versions.isPending ? 'Loading versions…' : 'Choose a version' },
          ...offered.map((v) => ({ value: v.version, label: versionLabel(v) })),
        ]}
        hint={canaryRunning ? 'Promote or roll back the canary before pinning another version.' : undefined}
      />
      <Button
        variant="secondary"
        disabled={!chosen || canaryRunning}
        onClick={() => {
          pin.reset();
          setConfirming(true);
        }}
      >
        Pin version
      </Button>
      <Dialog
        open={confirming}
        onClose={() => setConfirming(false)}
        title={`Pin ${chosen}?`}
        description={
          <>
            Every caller moves from{' '}
            <code className="font-mono text-xs">{stable ?? 'the current version'}</code> to{' '}
            <code className="font-mono text-xs">{chosen}</code>: the runner starts it on the next call. To try
            it on a share of callers first, start a canary instead.
          </>
        }
      >
        {pin.error && <Alert className="mb-4">{pin.error.message}</Alert>}
        <div className="flex justify-end gap-3">
          <Button variant="secondary" onClick={() => setConfirming(false)}>
            Cancel
          </Button>
          <Button
            pending={pin.isPending}
            onClick={() => pin.mutate({ installationId: installation.id, version: chosen })}
          >
            Pin {chosen}
          </Button>
        </div>
      </Dialog>
    </div>
  );
}
