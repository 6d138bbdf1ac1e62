'use client';

import type { Installation } from '@toolgate/api/schemas/installations';
import Link from 'next/link';
import { Notice } from '~/components/ui/alert';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

const At = ({ iso }: { iso: string }) => <time dateTime={iso}>{dateTime.format(new Date(iso))}</time>;

/**
 * What the server says it is (`serverInfo` of its `initialize` answer), as the last discovery or
 * health check saw it, and since when it reports this version.
 */
export function ServerVersion({ installation }: { installation: Installation }) {
  const info = installation.serverInfo;
  if (!info) return <span className="text-slate-500">Not reported yet</span>;
  return (
    <span className="flex flex-col gap-0.5">
      <span className="text-slate-900">
        {info.name && <span className="mr-1.5">{info.name}</span>}
        <code className="font-mono text-xs">{info.version}</code>
      </span>
      <span className="text-xs text-slate-500">
        seen since <At iso={info.seenAt} />
      </span>
    </span>
  );
}

/**
 * After the server reported another version than before (drift: a remote server cannot be
 * pinned): from → to, when it was noticed, and where changed tool definitions are reviewed.
 */
export function ServerVersionChangeNotice({
  installation,
  tenantSlug,
  isAdmin,
}: {
  installation: Installation;
  tenantSlug: string;
  /** Owners and admins review tool changes; others are only told. */
  isAdmin: boolean;
}) {
  const change = installation.serverVersionChange;
  if (!change) return null;
  return (
    <Notice role="status">
      <p aria-label="Server version change">
        <strong className="font-semibold">The server changed version</strong>:{' '}
        <code className="font-mono text-xs">{change.from}</code> →{' '}
        <code className="font-mono text-xs">{change.to}</code>, noticed <At iso={change.at} />. Its tool
        definitions were checked again
        {isAdmin ? (
          <>
            ; a changed one waits for review under{' '}
            <Link href={`/t/${tenantSlug}/tool-changes`} className="font-medium underline">
              Tool changes
            </Link>
            .
          </>
        ) : (
          '.'
        )}
      </p>
    </Notice>
  );
}
