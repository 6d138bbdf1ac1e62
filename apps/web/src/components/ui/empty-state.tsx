import type { ComponentType, ReactNode } from 'react';
import { cx } from './cx.ts';

export function EmptyState({
  icon: Icon,
  title,
  description,
  badge,
  children,
  className,
}: {
  icon: ComponentType<{ className?: string }>;
  title: string;
  description: ReactNode;
  /** A short label above the title. */
  badge?: ReactNode;
  /** Actions and next steps. */
  children?: ReactNode;
  className?: string;
}) {
  return (
    <div className={cx('flex flex-col items-center px-6 py-14 text-center', className)}>
      <div className="relative">
        <div className="absolute inset-0 -m-3 rounded-full bg-brand-50/70" aria-hidden="true" />
        <div className="relative flex size-12 items-center justify-center rounded-xl bg-white text-brand-600 shadow-sm ring-1 ring-slate-200">
          <Icon className="size-6" />
        </div>
      </div>
      {badge && <div className="mt-6">{badge}</div>}
      <h2 className={cx('text-base font-semibold text-slate-900', badge ? 'mt-3' : 'mt-6')}>{title}</h2>
      <div className="mt-2 max-w-md text-sm text-balance text-slate-600">{description}</div>
      {children && <div className="mt-6 flex flex-wrap items-center justify-center gap-3">{children}</div>}
    </div>
  );
}
