'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Assignment } from '@toolgate/api/schemas/gateways';
import Link from 'next/link';
import { useMemo, useState } from 'react';
import { GatewayIcon, SearchIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Button, ButtonLink } from '~/components/ui/button';
import { EmptyState } from '~/components/ui/empty-state';
import { Spinner } from '~/components/ui/spinner';
import { useTRPC } from '~/trpc/react';
import {
  describeKey,
  namedItems,
  rowsFrom,
  sameAssignments,
  serverGroups,
  toInput,
  unavailableReason,
  type Row,
  type ServerGroup,
} from './assignment-model';
import { checkExposedNames, conflictingNameIn } from './exposed-names';
import { ServerGroupCard, type RowProblem } from './server-group-card';

/**
 * What a gateway exposes: tools picked per server, each pinned to an installation or resolved
 * at call time, with an optional alias and description; prompts and resources alongside.
 * Name collisions are computed as the compiler would and block saving.
 */
export function ToolAssignments({
  gatewayId,
  assignments,
  isAdmin,
  tenantSlug,
}: {
  gatewayId: string;
  assignments: Assignment[];
  isAdmin: boolean;
  tenantSlug: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const installations = useQuery(trpc.installations.list.queryOptions());
  const registry = useQuery(trpc.registry.list.queryOptions());
  // Whether a tool whose change waits is still served (with its approved definition) or off.
  const pinning = useQuery(trpc.toolChanges.settings.queryOptions());
  const onToolChange = pinning.data?.onToolChange ?? 'serve_approved';
  const [savedRows, setSavedRows] = useState(() => rowsFrom(assignments));
  const [rows, setRows] = useState(savedRows);
  const [exposed, setExposed] = useState<string[] | null>(null);
  const [query, setQuery] = useState('');

  const save = useMutation(
    trpc.gateways.setAssignments.mutationOptions({
      onSuccess: async (result) => {
        const next = rowsFrom(result.assignments);
        setSavedRows(next);
        setRows(next);
        setExposed(result.exposedTools);
        await Promise.all([
          queryClient.invalidateQueries(trpc.gateways.get.queryFilter({ id: gatewayId })),
          queryClient.invalidateQueries(trpc.gateways.list.queryFilter()),
        ]);
      },
    }),
  );

  const groups = useMemo(
    () => serverGroups(installations.data ?? [], registry.data ?? [], rows, onToolChange),
    [installations.data, registry.data, rows, onToolChange],
  );
  const checks = useMemo(() => checkExposedNames(namedItems(groups, rows)), [groups, rows]);
  // Members see what is assigned, not what could be.
  const assigned = (g: ServerGroup) => [...rows.values()].some((r) => r.registryEntryId === g.id);
  const visible = isAdmin ? groups : groups.filter(assigned);
  // A server with nothing to pick because none of its installations works is listed with the
  // reason, not shown as an empty section; one with assignments stays editable.
  const unavailable = visible.flatMap((g) => {
    const reason = assigned(g) ? null : unavailableReason(g);
    return reason ? [{ group: g, reason }] : [];
  });
  const shown = visible.filter((g) => !unavailable.some((u) => u.group === g));

  // The server's 409 names one exposed name; mark the rows that would take it.
  const serverConflict =
    save.error?.data?.code === 'CONFLICT' ? conflictingNameIn(save.error.message) : undefined;
  const problems = new Map<string, RowProblem>();
  for (const [key, check] of checks) {
    const baseKey = key.split('\u0000').slice(0, 3).join('\u0000');
    if (check.invalid)
      problems.set(baseKey, {
        name: check.name,
        message: 'Not a valid tool name: use 1–128 of A–Z a–z 0–9 _ . -',
      });
    else if (check.collidesWith.length > 0)
      problems.set(baseKey, {
        name: check.name,
        message: `“${check.name}” is also the name of ${check.collidesWith.map((k) => describeKey(groups, k)).join(', ')} — choose another alias`,
      });
    else if (serverConflict && check.name === serverConflict)
      problems.set(baseKey, { name: check.name, message: `The server refused “${check.name}”: it is taken` });
  }
  const collisions = [...checks.values()].filter((c) => c.collidesWith.length > 0).length;
  const invalid = [...checks.values()].filter((c) => c.invalid).length;
  const blocked = collisions > 0 || invalid > 0;
  const dirty = !sameAssignments(rows, savedRows);

  function edit(change: (next: Map<string, Row>) => void) {
    setExposed(null);
    if (save.error) save.reset();
    setRows((prev) => {
      const next = new Map(prev);
      change(next);
      return next;
    });
  }

  const loading = installations.isPending || registry.isPending;
  const error = installations.error ?? registry.error;
  const blockedMessage = blocked
    ? [
        collisions > 0 && `${collisions} tools would share a name`,
        invalid > 0 && `${invalid} ${invalid === 1 ? 'name is' : 'names are'} not valid`,
      ]
        .filter(Boolean)
        .join(' and ') + ' — fix them to save.'
    : undefined;

  return (
    <section aria-labelledby="tools-heading" className="mt-8 flex flex-col gap-4">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h2 id="tools-heading" className="text-base font-semibold text-slate-900">
            Tools
          </h2>
          <p className="mt-1 text-sm text-slate-600">
            {isAdmin ? 'Pick the tools this gateway exposes. ' : 'The tools this gateway exposes. '}
            Clients see them as <code className="font-mono">server__tool</code> unless they have an alias.
          </p>
        </div>
        {isAdmin && (
          <div className="flex items-center gap-3">
            {dirty && !blocked && <span className="text-sm text-slate-500">Unsaved changes</span>}
            {dirty && (
              <Button
                variant="secondary"
                onClick={() =>
                  edit((next) => {
                    next.clear();
                    for (const [k, r] of savedRows) next.set(k, r);
                  })
                }
              >
                Discard
              </Button>
            )}
            <Button
              onClick={() => save.mutate({ id: gatewayId, assignments: toInput(rows) })}
              pending={save.isPending}
              disabled={loading || blocked}
              aria-describedby={blockedMessage ? 'tools-blocked' : undefined}
            >
              {save.isPending ? 'Saving…' : 'Save'}
            </Button>
          </div>
        )}
      </div>
      {isAdmin && blockedMessage && (
        <p id="tools-blocked" role="alert" className="text-sm text-red-600">
          {blockedMessage}
        </p>
      )}
      {save.error && (
        <Alert>
          {save.error.data?.code === 'CONFLICT' ? 'Name collision: ' : ''}
          {save.error.message}
        </Alert>
      )}
      {exposed && (
        <Alert tone="success">
          Saved. Clients now see {exposed.length} {exposed.length === 1 ? 'tool' : 'tools'}
          {exposed.length > 0 && (
            <>
              : <span className="font-mono">{exposed.join(', ')}</span>
            </>
          )}
          .
        </Alert>
      )}
      {error ? (
        <Alert>
          Could not load servers and tools: {error.message}{' '}
          <button
            type="button"
            className="font-medium underline"
            onClick={() => void Promise.all([installations.refetch(), registry.refetch()])}
          >
            Try again
          </button>
        </Alert>
      ) : loading ? (
        <div role="status" className="flex items-center gap-2 text-sm text-slate-500">
          <Spinner className="size-4" /> Loading tools…
        </div>
      ) : shown.length === 0 && unavailable.length === 0 ? (
        <EmptyState
          icon={GatewayIcon}
          title="No tools discovered yet"
          description={
            isAdmin
              ? 'Install a server first; its tools appear here once discovery has run.'
              : 'Nothing is assigned to this gateway yet.'
          }
          className="rounded-xl ring-1 ring-slate-200"
        >
          {isAdmin && (
            <ButtonLink href={`/t/${tenantSlug}/servers`} variant="secondary">
              Go to servers
            </ButtonLink>
          )}
        </EmptyState>
      ) : (
        <>
          <div className="relative w-full sm:w-80">
            <SearchIcon className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-slate-400" />
            <input
              type="search"
              aria-label="Search tools"
              placeholder="Search tools and prompts"
              value={query}
              maxLength={200}
              onChange={(e) => setQuery(e.target.value)}
              className="h-9 w-full rounded-lg bg-white pr-3 pl-9 text-sm text-slate-900 ring-1 ring-slate-300 outline-none ring-inset placeholder:text-slate-400 focus:ring-2 focus:ring-brand-500"
            />
          </div>
          {shown.map((group) => (
            <ServerGroupCard
              key={group.id}
              group={group}
              rows={rows}
              checks={checks}
              problems={problems}
              readOnly={!isAdmin}
              query={query}
              edit={edit}
              onToolChange={onToolChange}
              reviewHref={`/t/${tenantSlug}/tool-changes`}
            />
          ))}
          {unavailable.length > 0 && (
            <UnavailableServers servers={unavailable} href={`/t/${tenantSlug}/servers`} />
          )}
        </>
      )}
    </section>
  );
}

/** Servers with nothing to pick until an installation works again, and why. */
function UnavailableServers({
  servers,
  href,
}: {
  servers: { group: ServerGroup; reason: string }[];
  href: string;
}) {
  return (
    <div className="rounded-xl bg-slate-50 px-4 py-3 ring-1 ring-slate-200">
      <p className="text-sm font-medium text-slate-700">Unavailable servers</p>
      <p className="text-xs text-slate-500">
        No working installation, so no tools to pick.{' '}
        <Link href={href} className="text-brand-700 hover:underline">
          Check them on the servers page
        </Link>
        .
      </p>
      <ul aria-label="Unavailable servers" className="mt-2 flex flex-col gap-1.5">
        {servers.map(({ group, reason }) => (
          <li key={group.id} className="flex flex-wrap items-baseline gap-x-2 text-sm">
            <span className="font-medium text-slate-800">{group.name}</span>
            <span className="font-mono text-xs text-slate-500">{group.slug}</span>
            <span className="text-slate-600">— {reason}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
