'use client';

import { useQuery } from '@tanstack/react-query';
import type { Installation } from '@toolgate/api/schemas/installations';
import { useEffect, useRef, useState } from 'react';
import { RetryIcon } from '~/components/icons';
import { Alert, Notice } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { Spinner } from '~/components/ui/spinner';
import { useTRPC } from '~/trpc/react';

/** While following, the log is read again this often (the runner answers from memory). */
const FOLLOW_MS = 5_000;

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

type State = 'stopped' | 'starting' | 'running' | 'failed' | 'unknown';

const STATES: Record<State, { label: string; tone: 'slate' | 'amber' | 'green' | 'red' }> = {
  stopped: { label: 'Stopped', tone: 'slate' },
  starting: { label: 'Starting', tone: 'amber' },
  running: { label: 'Running', tone: 'green' },
  failed: { label: 'Failed', tone: 'red' },
  unknown: { label: 'Unknown', tone: 'slate' },
};

const clock = (iso: string) => {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : time.format(at);
};

/**
 * A self-hosted server's recent log, as the runner hosting it keeps it: its state, what it wrote to
 * stderr (secrets redacted by the runner) and what the runner did, newest at the bottom. Shown to
 * those who manage the installation (the API refuses everyone else); read again every few seconds
 * while "Follow" is on and the last read worked.
 */
export function ServerLog({
  installationId,
  canary,
}: {
  installationId: string;
  canary: Installation['canary'];
}) {
  const trpc = useTRPC();
  const [variant, setVariant] = useState<'stable' | 'canary'>('stable');
  const [follow, setFollow] = useState(true);
  const shown = canary ? variant : 'stable';
  const log = useQuery({
    ...trpc.serverLogs.get.queryOptions({
      id: installationId,
      ...(shown === 'canary' ? { variant: 'canary' as const } : {}),
    }),
    retry: false,
    refetchInterval: (query) => (follow && !query.state.error ? FOLLOW_MS : false),
  });
  const state = log.data ? STATES[log.data.state] : null;
  const problem = log.error?.data?.code;

  return (
    <section aria-labelledby="server-log-heading" className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2
          id="server-log-heading"
          className="flex items-center gap-2 text-base font-semibold text-slate-900"
        >
          Server log
          {state && (
            <Badge tone={state.tone}>
              <span aria-label="Server state">{state.label}</span>
            </Badge>
          )}
        </h2>
        <div className="flex items-center gap-3 text-sm text-slate-700">
          {canary && (
            <label className="flex items-center gap-2">
              Version
              <select
                className="rounded-md border-slate-300 py-1 text-sm"
                value={variant}
                onChange={(e) => setVariant(e.target.value === 'canary' ? 'canary' : 'stable')}
              >
                <option value="stable">Stable</option>
                <option value="canary">Canary {canary.version}</option>
              </select>
            </label>
          )}
          <label className="flex items-center gap-2">
            <input
              type="checkbox"
              className="rounded border-slate-300"
              checked={follow}
              onChange={(e) => setFollow(e.target.checked)}
            />
            Follow
          </label>
          <Button variant="secondary" pending={log.isFetching} onClick={() => void log.refetch()}>
            {!log.isFetching && <RetryIcon className="size-4" />}
            Refresh
          </Button>
        </div>
      </div>
      {log.isPending && !log.error ? (
        <div className="flex items-center gap-2 py-6 text-sm text-slate-500">
          <Spinner className="size-4" /> Reading the log…
        </div>
      ) : log.error ? (
        problem === 'CONFLICT' || problem === 'SERVICE_UNAVAILABLE' ? (
          <Notice role="status">{log.error.message}</Notice>
        ) : (
          <Alert>{log.error.message}</Alert>
        )
      ) : (
        <LogLines lines={log.data.lines} truncated={log.data.truncated} />
      )}
    </section>
  );
}

function LogLines({
  lines,
  truncated,
}: {
  lines: { time: string; stream: 'stderr' | 'runner'; line: string }[];
  truncated: boolean;
}) {
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  // Newest at the bottom: keep it in view, unless the reader scrolled up to read.
  useEffect(() => {
    const el = box.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  if (lines.length === 0)
    return (
      <p className="rounded-xl bg-white px-5 py-6 text-sm text-slate-500 shadow-xs ring-1 ring-slate-200">
        Nothing logged yet. The runner keeps what the server writes to stderr from its start on; the server
        starts when it is first used (a gateway&apos;s call, or Refresh tools).
      </p>
    );
  return (
    <div className="flex flex-col gap-1">
      <div
        ref={box}
        role="log"
        aria-label="Server log lines"
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 8;
        }}
        className="max-h-96 overflow-auto rounded-xl bg-slate-950 px-4 py-3 font-mono text-xs leading-5 shadow-xs"
      >
        {lines.map((l, i) => (
          <div key={i} className="flex gap-3 whitespace-pre-wrap break-all">
            <time dateTime={l.time} className="shrink-0 text-slate-500">
              {clock(l.time)}
            </time>
            {l.stream === 'runner' ? (
              <span className="text-sky-300">
                <span className="mr-2 text-sky-500 select-none">runner</span>
                {l.line}
              </span>
            ) : (
              <span className="text-slate-100">{l.line}</span>
            )}
          </div>
        ))}
      </div>
      <p className="text-xs text-slate-500">
        The last 500 lines (64 KiB) the runner kept; credentials and token-like strings are replaced by
        [redacted].{truncated && ' The answer was cut at its size bound: the newest lines are missing.'}
      </p>
    </div>
  );
}
