'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Installation } from '@toolgate/api/schemas/installations';
import { timeAgo } from '~/components/time-ago';
import { Button } from '~/components/ui/button';
import { cx } from '~/components/ui/cx';
import { useNow } from '~/components/use-now';
import { useTRPC } from '~/trpc/react';
import { StatusBadge } from './status-badge';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * An installation's health as last recorded (by discovery, the worker's scheduled checks, or
 * "Check now"): the status, when it was seen, and why it is not ready.
 */
export function InstallationHealth({
  installation,
  canCheck,
  className,
}: {
  installation: Installation;
  /** Whether to offer "Check now": the caller manages it and it is a remote server. */
  canCheck: boolean;
  className?: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const now = useNow();
  const check = useMutation(
    trpc.installations.checkHealth.mutationOptions({
      onSettled: () =>
        Promise.all([
          queryClient.invalidateQueries(trpc.installations.list.queryFilter()),
          queryClient.invalidateQueries(trpc.installations.get.queryFilter({ id: installation.id })),
        ]),
    }),
  );
  const { status, lastError, checkedAt } = installation;
  return (
    <div
      role="group"
      className={cx('flex flex-col gap-1.5', className)}
      aria-label={`Health of ${installation.name}`}
    >
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-slate-500">
        <StatusBadge status={status} />
        {checkedAt ? (
          <time dateTime={checkedAt} title={dateTime.format(new Date(checkedAt))}>
            checked {timeAgo(checkedAt, now)}
          </time>
        ) : (
          <span>never checked</span>
        )}
        {canCheck && (
          <Button
            size="sm"
            variant="ghost"
            className="h-6 px-1.5 text-xs"
            pending={check.isPending}
            onClick={() => check.mutate({ id: installation.id })}
            aria-label={`Check ${installation.name} now`}
          >
            {check.isPending ? 'Checking…' : 'Check now'}
          </Button>
        )}
      </div>
      {lastError && status !== 'ready' && (
        <p className={cx('text-sm', status === 'error' ? 'text-amber-800' : 'text-red-700')}>{lastError}</p>
      )}
      {check.error && <p className="text-sm text-red-700">{check.error.message}</p>}
    </div>
  );
}
