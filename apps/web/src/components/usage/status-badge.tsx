import { cx } from '~/components/ui/cx';

export const STATUS_LABELS: Record<string, string> = {
  ok: 'OK',
  tool_error: 'Tool error',
  error: 'Error',
  denied: 'Denied',
  errors: 'Any error',
};

const TONES: Record<string, string> = {
  ok: 'bg-emerald-50 text-emerald-700 ring-emerald-600/20',
  tool_error: 'bg-amber-50 text-amber-800 ring-amber-600/20',
  error: 'bg-red-50 text-red-700 ring-red-600/20',
  denied: 'bg-slate-100 text-slate-700 ring-slate-500/25',
};

/** The outcome of one call: ok, the tool reported an error, it failed, or it was refused. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span
      className={cx(
        'inline-flex items-center gap-1.5 rounded-md px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset',
        TONES[status] ?? TONES.denied,
      )}
    >
      <span
        aria-hidden="true"
        className={cx(
          'size-1.5 rounded-full',
          status === 'ok'
            ? 'bg-emerald-500'
            : status === 'tool_error'
              ? 'bg-amber-500'
              : status === 'error'
                ? 'bg-red-500'
                : 'bg-slate-400',
        )}
      />
      {STATUS_LABELS[status] ?? status}
    </span>
  );
}
