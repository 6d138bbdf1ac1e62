import type { ReactNode } from 'react';
import { WarningIcon } from '~/components/icons';

/** An emailed link that no longer works: what happened, and what to do instead. */
export function LinkProblem({
  title,
  message,
  children,
}: {
  title: string;
  message: string;
  children: ReactNode;
}) {
  return (
    <div role="alert" className="flex flex-col items-start">
      <div className="flex size-11 items-center justify-center rounded-full bg-amber-50 text-amber-600 ring-1 ring-amber-600/20">
        <WarningIcon className="size-5.5" />
      </div>
      <h1 className="mt-5 text-2xl font-semibold tracking-tight text-slate-900">{title}</h1>
      <p className="mt-2 text-sm text-slate-600">{message}</p>
      <div className="mt-8 flex flex-wrap gap-3">{children}</div>
    </div>
  );
}
