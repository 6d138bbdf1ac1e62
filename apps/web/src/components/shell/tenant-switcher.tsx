'use client';

import type { Membership } from '@toolgate/api/schemas/members';
import { CheckIcon, ChevronUpDownIcon, PlusIcon } from '../icons.tsx';
import { Avatar } from '../ui/avatar.tsx';
import { Dropdown, DropdownDivider, DropdownLabel, DropdownLink } from '../ui/dropdown.tsx';
import { ROLE_LABELS } from './role-labels.ts';

export function TenantSwitcher({ current, memberships }: { current: Membership; memberships: Membership[] }) {
  return (
    <Dropdown
      label="Switch workspace"
      buttonClassName="flex max-w-[55vw] items-center sm:max-w-72 gap-2.5 rounded-lg py-1 pr-2 pl-1 text-left transition-colors hover:bg-slate-100 aria-expanded:bg-slate-100"
      button={
        <>
          <Avatar name={current.tenantName} seed={current.tenantSlug} size="sm" square />
          <span className="min-w-0 truncate text-sm font-semibold text-slate-900">{current.tenantName}</span>
          <ChevronUpDownIcon className="size-4 shrink-0 text-slate-400" />
        </>
      }
      panelClassName="w-80"
    >
      {(close) => (
        <>
          <DropdownLabel>Workspaces</DropdownLabel>
          {memberships.map((m) => (
            <DropdownLink key={m.tenantId} href={`/t/${m.tenantSlug}`} onClick={close}>
              <Avatar name={m.tenantName} seed={m.tenantSlug} size="sm" square />
              <span className="flex min-w-0 flex-1 flex-col">
                <span className="truncate font-medium text-slate-900">{m.tenantName}</span>
                <span className="truncate text-xs text-slate-500">
                  {m.tenantSlug} · {ROLE_LABELS[m.role]}
                </span>
              </span>
              {m.tenantSlug === current.tenantSlug && <CheckIcon className="size-4 text-brand-600" />}
            </DropdownLink>
          ))}
          <DropdownDivider />
          <DropdownLink href="/workspaces/new" onClick={close}>
            <span className="flex size-7 items-center justify-center rounded-lg border border-dashed border-slate-300 text-slate-500">
              <PlusIcon className="size-4" />
            </span>
            Create workspace
          </DropdownLink>
        </>
      )}
    </Dropdown>
  );
}
