import type { ReactNode } from 'react';
import { CheckIcon, WarningIcon } from '../icons.tsx';
import { cx } from './cx.ts';

export function Alert({
  tone = 'error',
  children,
  className,
}: {
  tone?: 'error' | 'success';
  children: ReactNode;
  className?: string;
}) {
  const Icon = tone === 'error' ? WarningIcon : CheckIcon;
  return (
    <div
      role={tone === 'error' ? 'alert' : 'status'}
      className={cx(
        'flex items-start gap-2.5 rounded-lg px-3.5 py-3 text-sm ring-1 ring-inset',
        tone === 'error'
          ? 'bg-red-50 text-red-800 ring-red-600/15'
          : 'bg-emerald-50 text-emerald-800 ring-emerald-600/20',
        className,
      )}
    >
      <Icon
        className={cx('mt-px size-4.5 shrink-0', tone === 'error' ? 'text-red-500' : 'text-emerald-600')}
      />
      <div>{children}</div>
    </div>
  );
}

/** An amber caution that is not an error: "shown once", "no email was sent". */
export function Notice({
  role = 'note',
  children,
  className,
}: {
  role?: 'note' | 'status';
  children: ReactNode;
  className?: string;
}) {
  return (
    <div
      role={role}
      className={cx(
        'rounded-lg bg-amber-50 px-3.5 py-3 text-sm text-amber-900 ring-1 ring-amber-600/20 ring-inset',
        className,
      )}
    >
      {children}
    </div>
  );
}
