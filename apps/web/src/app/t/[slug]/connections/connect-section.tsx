'use client';

import type { RegistryEntry } from '@toolgate/api/schemas/registry';
import Link from 'next/link';
import { useEffect, useId, useRef, useState } from 'react';
import { RetryIcon, ServerIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { cx } from '~/components/ui/cx';
import { Spinner } from '~/components/ui/spinner';

export type ConnectScope = { scope: 'personal' } | { scope: 'org' } | { scope: 'team'; teamId: string };

export interface WhoseChoice {
  /** 'personal', 'org' or `team:<id>`. */
  value: string;
  label: string;
  target: ConnectScope;
}

interface ConnectSectionProps {
  tenantSlug: string;
  isAdmin: boolean;
  /** The workspace's servers that sign in with OAuth; undefined while they load. */
  entries: RegistryEntry[] | undefined;
  loadError: { message: string } | null;
  onRetry: () => void;
  /** Whose account the caller may connect: always their own; admins and maintainers more. */
  choices: WhoseChoice[];
  /** Servers the caller already has their own account connected at. */
  connectedByMe: ReadonlySet<string>;
  /** Servers where the caller's own account must be connected again (the server refused a refresh). */
  reconnectByMe: ReadonlySet<string>;
  /** The server a "connect your account" link named (`?connect=`). */
  highlightEntryId: string | null;
  onConnect: (entry: RegistryEntry, target: ConnectScope) => void;
  /** The server whose sign-in is being started (then the browser leaves for its consent page). */
  pendingEntryId: string | null;
  /** Why starting failed, for the server it failed for. */
  error: { entryId: string; message: string } | null;
}

export function ConnectSection({
  tenantSlug,
  isAdmin,
  entries,
  loadError,
  onRetry,
  choices,
  connectedByMe,
  reconnectByMe,
  highlightEntryId,
  onConnect,
  pendingEntryId,
  error,
}: ConnectSectionProps) {
  const headingId = useId();
  let body;
  if (entries === undefined && loadError) {
    body = (
      <div className="flex flex-col items-start gap-3 px-4 py-5">
        <Alert>We couldn&apos;t load the servers: {loadError.message}</Alert>
        <Button variant="secondary" size="sm" onClick={onRetry}>
          <RetryIcon className="size-4" />
          Try again
        </Button>
      </div>
    );
  } else if (entries === undefined) {
    body = (
      <div className="flex items-center gap-2 px-4 py-5 text-sm text-slate-500">
        <Spinner className="size-4" /> Loading servers…
      </div>
    );
  } else if (entries.length === 0) {
    body = (
      <p className="px-4 py-5 text-sm text-slate-600">
        No server in this workspace signs in with OAuth.{' '}
        {isAdmin ? (
          <>
            Add one on{' '}
            <Link href={`/t/${tenantSlug}/servers`} className="font-medium text-brand-700 hover:underline">
              Servers
            </Link>{' '}
            with OAuth as its auth.
          </>
        ) : (
          'Owners and admins add servers on the Servers page.'
        )}
      </p>
    );
  } else {
    body = (
      <ul className="divide-y divide-slate-100">
        {entries.map((entry) => (
          <ConnectRow
            key={entry.id}
            entry={entry}
            choices={choices}
            connectedByMe={connectedByMe.has(entry.id)}
            reconnectByMe={reconnectByMe.has(entry.id)}
            highlighted={entry.id === highlightEntryId}
            pending={entry.id === pendingEntryId}
            busy={pendingEntryId !== null}
            error={error?.entryId === entry.id ? error.message : null}
            onConnect={onConnect}
          />
        ))}
      </ul>
    );
  }
  return (
    <section aria-labelledby={headingId} className="mt-10">
      <h2 id={headingId} className="text-base font-semibold text-slate-900">
        Connect an account
      </h2>
      <p className="mt-1 max-w-2xl text-sm text-slate-600">
        You sign in at the server and approve access; Toolgate keeps the tokens, sealed, and the gateways call
        the server&apos;s tools as that account.
      </p>
      <div className="mt-4 overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs">{body}</div>
    </section>
  );
}

function ConnectRow({
  entry,
  choices,
  connectedByMe,
  reconnectByMe,
  highlighted,
  pending,
  busy,
  error,
  onConnect,
}: {
  entry: RegistryEntry;
  choices: WhoseChoice[];
  connectedByMe: boolean;
  reconnectByMe: boolean;
  highlighted: boolean;
  pending: boolean;
  busy: boolean;
  error: string | null;
  onConnect: (entry: RegistryEntry, target: ConnectScope) => void;
}) {
  const [whose, setWhose] = useState(choices[0]?.value ?? 'personal');
  const row = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (!highlighted) return;
    row.current?.scrollIntoView({ block: 'center' });
    row.current?.querySelector<HTMLButtonElement>('[data-connect]')?.focus({ preventScroll: true });
  }, [highlighted]);
  const target = choices.find((c) => c.value === whose)?.target ?? { scope: 'personal' as const };
  return (
    <li
      ref={row}
      data-entry-id={entry.id}
      data-highlighted={highlighted || undefined}
      className={cx('flex flex-col gap-3 px-4 py-3.5', highlighted && 'bg-brand-50/60')}
    >
      <div className="flex flex-wrap items-center gap-3">
        <span className="flex size-9 shrink-0 items-center justify-center overflow-hidden rounded-lg bg-brand-50 text-brand-600">
          {entry.iconUrl ? (
            // A tenant-supplied URL: a plain img, never Next's optimizer (a server-side fetch).
            <img src={entry.iconUrl} alt="" className="size-6 object-contain" />
          ) : (
            <ServerIcon className="size-5" />
          )}
        </span>
        <div className="min-w-0 flex-1">
          <p className="flex items-center gap-2 truncate text-sm font-medium text-slate-900">
            {entry.name}
            {connectedByMe && <Badge tone="green">You are connected</Badge>}
            {reconnectByMe && <Badge tone="amber">Your account must be reconnected</Badge>}
          </p>
          <p className="truncate font-mono text-xs text-slate-500">{entry.url}</p>
        </div>
        {choices.length > 1 && (
          <select
            aria-label={`Whose account at ${entry.name}`}
            value={whose}
            onChange={(e) => setWhose(e.target.value)}
            className="h-9 rounded-lg bg-white pr-8 pl-3 text-sm text-slate-700 ring-1 ring-slate-300 outline-none ring-inset focus:ring-2 focus:ring-brand-500"
          >
            {choices.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        )}
        <Button
          data-connect
          variant={highlighted ? 'primary' : 'secondary'}
          aria-label={`Connect an account at ${entry.name}`}
          pending={pending}
          disabled={busy && !pending}
          className={cx(highlighted && 'ring-2 ring-brand-500 ring-offset-2')}
          onClick={() => onConnect(entry, target)}
        >
          {pending ? 'Opening sign-in…' : 'Connect'}
        </Button>
      </div>
      {error && <Alert>{error}</Alert>}
    </li>
  );
}
