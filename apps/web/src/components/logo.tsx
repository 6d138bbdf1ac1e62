import Link from 'next/link';

/** The mark: a gate (arch over a threshold) in the brand colour. */
export function LogoMark({ className = 'size-7' }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" aria-hidden="true" className={className}>
      <rect width="32" height="32" rx="8" className="fill-brand-600" />
      <path
        d="M10 23v-8.5a6 6 0 0 1 12 0V23M7.5 23h17M16 14.5V23"
        fill="none"
        stroke="white"
        strokeWidth="2.25"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

export function Logo({ href = '/' }: { href?: string }) {
  return (
    <Link href={href} className="flex items-center gap-2 rounded-md focus-visible:outline-offset-4">
      <LogoMark />
      <span className="text-lg font-semibold tracking-tight text-slate-900">
        <span className="text-brand-600">Tool</span>gate
      </span>
    </Link>
  );
}
