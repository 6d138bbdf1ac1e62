import type { ComponentType, ReactNode } from 'react';
import { ArrowRightIcon } from './icons.tsx';
import { Badge } from './ui/badge.tsx';
import { ButtonLink } from './ui/button.tsx';
import { EmptyState } from './ui/empty-state.tsx';

/** A section not built yet: what will live here, and what to do meanwhile. */
export function ComingSoon({
  icon,
  title,
  description,
  nextSteps,
}: {
  icon: ComponentType<{ className?: string }>;
  title: string;
  description: ReactNode;
  nextSteps: { href: string; label: string }[];
}) {
  return (
    <div className="mt-8 rounded-xl border border-dashed border-slate-300 bg-white">
      <EmptyState
        icon={icon}
        title={title}
        description={description}
        badge={<Badge tone="brand">Coming soon</Badge>}
      >
        {nextSteps.map((step, i) => (
          <ButtonLink key={step.href} href={step.href} variant={i === 0 ? 'primary' : 'secondary'}>
            {step.label}
            {i === 0 && <ArrowRightIcon className="size-4" />}
          </ButtonLink>
        ))}
      </EmptyState>
    </div>
  );
}
