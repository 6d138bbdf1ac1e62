'use client';

import { RetryIcon, WarningIcon } from '~/components/icons';
import { Button } from '~/components/ui/button';

export default function WorkspaceError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="flex flex-col items-center py-24 text-center">
      <div className="flex size-12 items-center justify-center rounded-full bg-red-50 text-red-600">
        <WarningIcon className="size-6" />
      </div>
      <h1 className="mt-5 text-lg font-semibold text-slate-900">Something went wrong</h1>
      <p className="mt-2 max-w-sm text-sm text-slate-600">
        This page failed to load. It has been logged; trying again usually helps.
      </p>
      <Button variant="secondary" className="mt-6" onClick={reset}>
        <RetryIcon className="size-4" />
        Try again
      </Button>
    </div>
  );
}
