'use client';

import { useState } from 'react';
import { CheckIcon, CopyIcon } from './icons.tsx';
import { cx } from './ui/cx.ts';

export function CopyButton({ value, label = 'Copy' }: { value: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      aria-label={copied ? 'Copied' : label}
      title={copied ? 'Copied' : label}
      onClick={async () => {
        await navigator.clipboard.writeText(value);
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      }}
      className="rounded-md p-1.5 text-slate-400 transition-colors hover:bg-white/10 hover:text-white"
    >
      {copied ? <CheckIcon className="size-4 text-emerald-400" /> : <CopyIcon className="size-4" />}
    </button>
  );
}

/** A value to hand on (a new token, a link, a URL) on a dark strip, with its copy button. */
export function CopyableValue({
  value,
  label,
  testId,
  truncate = false,
  className,
}: {
  value: string;
  /** The copy button's name, e.g. "Copy token". */
  label: string;
  testId?: string;
  /** One line, cut with an ellipsis, instead of wrapping anywhere. */
  truncate?: boolean;
  className?: string;
}) {
  return (
    <div
      className={cx(
        'flex items-center justify-between gap-2 rounded-lg bg-slate-900 py-1.5 pr-1.5 pl-3',
        className,
      )}
    >
      <code
        data-testid={testId}
        className={cx('font-mono text-sm text-slate-100', truncate ? 'truncate' : 'break-all')}
      >
        {value}
      </code>
      <CopyButton value={value} label={label} />
    </div>
  );
}
