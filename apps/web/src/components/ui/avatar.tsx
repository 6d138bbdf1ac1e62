import { cx } from './cx.ts';

const COLORS = [
  'bg-brand-100 text-brand-700',
  'bg-emerald-100 text-emerald-700',
  'bg-amber-100 text-amber-800',
  'bg-sky-100 text-sky-700',
  'bg-rose-100 text-rose-700',
  'bg-violet-100 text-violet-700',
];

export function initials(name: string | null | undefined, fallback: string): string {
  const words = (name?.trim() || fallback).split(/[\s@._-]+/).filter(Boolean);
  const letters = words.length > 1 ? words[0]![0]! + words[1]![0]! : (words[0] ?? '?').slice(0, 2);
  return letters.toUpperCase();
}

/** Initials on a colour picked from the seed, so a person keeps their colour everywhere. */
export function Avatar({
  name,
  seed,
  size = 'md',
  square = false,
}: {
  name: string | null | undefined;
  seed: string;
  size?: 'sm' | 'md';
  square?: boolean;
}) {
  let hash = 0;
  for (const ch of seed) hash = (hash * 31 + ch.charCodeAt(0)) | 0;
  return (
    <span
      aria-hidden="true"
      className={cx(
        'inline-flex shrink-0 items-center justify-center font-semibold',
        square ? 'rounded-lg' : 'rounded-full',
        size === 'sm' ? 'size-7 text-[0.6875rem]' : 'size-9 text-xs',
        COLORS[Math.abs(hash) % COLORS.length],
      )}
    >
      {initials(name, seed)}
    </span>
  );
}
