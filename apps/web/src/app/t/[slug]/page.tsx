import type { Metadata } from 'next';
import Link from 'next/link';
import type { ComponentType } from 'react';
import { getWorkspaceStats } from '@toolgate/api/services/get-workspace-stats';
import { CopyButton } from '~/components/copy-button';
import {
  ArrowRightIcon,
  CheckIcon,
  GatewayIcon,
  KeyIcon,
  ServerIcon,
  TeamIcon,
  UsersIcon,
} from '~/components/icons';
import { ROLE_DESCRIPTIONS, ROLE_LABELS } from '~/components/shell/role-labels';
import { Badge } from '~/components/ui/badge';
import { cx } from '~/components/ui/cx';
import { webEnv } from '~/env';
import { requireMembership } from '~/server/auth/session';
import { webContext } from '~/server/context';

export const metadata: Metadata = { title: 'Overview' };

interface Step {
  title: string;
  body: string;
  href: string;
  done: boolean;
}

export default async function OverviewPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { account, membership } = await requireMembership(slug);
  const stats = await getWorkspaceStats(webContext().db.db, {
    tenantId: membership.tenantId,
    actor: { userId: account.user.id, role: membership.role },
  });
  const firstName = account.user.name?.split(' ')[0] ?? null;
  const base = `/t/${slug}`;
  const endpoint = `${webEnv().PUBLIC_MCP_URL}/mcp/${slug}/<gateway>`;

  const steps: Step[] = [
    { title: 'Create your workspace', body: `${membership.tenantName} is ready.`, href: base, done: true },
    {
      title: 'Organise people into teams',
      body: 'Teams decide who sees which gateways and shared credentials.',
      href: `${base}/teams`,
      done: stats.teams > 0,
    },
    {
      title: 'Add your first MCP server',
      body: 'Register a remote or local server and connect it with credentials.',
      href: `${base}/servers`,
      done: stats.servers > 0,
    },
    {
      title: 'Publish a gateway',
      body: 'Pick the tools to expose and who may call them.',
      href: `${base}/gateways`,
      done: stats.gateways > 0,
    },
    {
      title: 'Connect a client',
      body: 'Issue a token and point Claude, Cursor or VS Code at the gateway URL.',
      href: `${base}/tokens`,
      done: stats.tokens > 0,
    },
  ];
  const completed = steps.filter((s) => s.done).length;

  return (
    <>
      <div className="flex flex-col gap-1">
        <p className="text-sm font-medium text-brand-600">{membership.tenantName}</p>
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">
          {firstName ? `Welcome back, ${firstName}` : 'Welcome back'}
        </h1>
        <p className="text-sm text-slate-600">
          Everything your organisation&apos;s MCP clients can reach, in one place.
        </p>
      </div>

      <div className="mt-8 grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
        <Stat label="Members" value={stats.members} icon={UsersIcon} href={`${base}/members`} />
        <Stat label="Teams" value={stats.teams} icon={TeamIcon} href={`${base}/teams`} />
        <Stat label="Servers" value={stats.servers} icon={ServerIcon} href={`${base}/servers`} />
        <Stat label="Gateways" value={stats.gateways} icon={GatewayIcon} href={`${base}/gateways`} />
      </div>

      <div className="mt-8 grid gap-6 lg:grid-cols-3">
        <section className="rounded-xl border border-slate-200 bg-white shadow-xs lg:col-span-2">
          <div className="flex items-center justify-between gap-4 border-b border-slate-200 px-5 py-4">
            <div>
              <h2 className="text-sm font-semibold text-slate-900">Get set up</h2>
              <p className="mt-0.5 text-sm text-slate-500">
                {completed} of {steps.length} steps complete
              </p>
            </div>
            <div
              className="h-2 w-32 overflow-hidden rounded-full bg-slate-100"
              role="progressbar"
              aria-label="Setup progress"
              aria-valuemin={0}
              aria-valuemax={steps.length}
              aria-valuenow={completed}
            >
              <div
                className="h-full rounded-full bg-brand-600"
                style={{ width: `${(completed / steps.length) * 100}%` }}
              />
            </div>
          </div>
          <ol className="divide-y divide-slate-100">
            {steps.map((step, i) => (
              <li key={step.title}>
                <Link
                  href={step.href}
                  className="group flex items-center gap-4 px-5 py-4 transition-colors hover:bg-slate-50"
                >
                  <span
                    className={cx(
                      'flex size-8 shrink-0 items-center justify-center rounded-full text-sm font-semibold',
                      step.done
                        ? 'bg-brand-600 text-white'
                        : 'bg-white text-slate-500 ring-1 ring-slate-300 ring-inset',
                    )}
                  >
                    {step.done ? <CheckIcon className="size-4" /> : i + 1}
                  </span>
                  <span className="min-w-0 flex-1">
                    <span
                      className={cx(
                        'flex items-center gap-2 text-sm font-medium',
                        step.done ? 'text-slate-500 line-through decoration-slate-300' : 'text-slate-900',
                      )}
                    >
                      {step.title}
                    </span>
                    <span className="mt-0.5 block text-sm text-slate-500">{step.body}</span>
                  </span>
                  <ArrowRightIcon className="size-4 shrink-0 text-slate-300 transition-transform group-hover:translate-x-0.5 group-hover:text-slate-500" />
                </Link>
              </li>
            ))}
          </ol>
        </section>

        <div className="flex flex-col gap-6">
          <section className="rounded-xl border border-slate-200 bg-white p-5 shadow-xs">
            <div className="flex items-center gap-2">
              <GatewayIcon className="size-5 text-brand-600" />
              <h2 className="text-sm font-semibold text-slate-900">Your MCP endpoint</h2>
            </div>
            <p className="mt-2 text-sm text-slate-600">
              Every gateway you publish gets a URL under your workspace.
            </p>
            <div className="mt-4 flex items-start gap-2 rounded-lg bg-slate-900 py-2 pr-2 pl-3">
              <code className="min-w-0 flex-1 py-1 font-mono text-xs leading-5 break-all text-slate-100">
                {endpoint}
              </code>
              <CopyButton value={endpoint} />
            </div>
          </section>
          <section className="rounded-xl border border-slate-200 bg-white p-5 shadow-xs">
            <div className="flex items-center gap-2">
              <KeyIcon className="size-5 text-brand-600" />
              <h2 className="text-sm font-semibold text-slate-900">Your access</h2>
            </div>
            <p className="mt-3 truncate text-sm text-slate-500" title={account.user.email}>
              Signed in as <span className="font-medium text-slate-700">{account.user.email}</span>
            </p>
            <div className="mt-3 flex items-start gap-3">
              <Badge tone={membership.role === 'member' ? 'slate' : 'brand'}>
                {ROLE_LABELS[membership.role]}
              </Badge>
              <p className="text-sm text-slate-600">{ROLE_DESCRIPTIONS[membership.role]}</p>
            </div>
          </section>
        </div>
      </div>
    </>
  );
}

function Stat({
  label,
  value,
  icon: Icon,
  href,
}: {
  label: string;
  value: number;
  icon: ComponentType<{ className?: string }>;
  href: string;
}) {
  return (
    <Link
      href={href}
      className="group rounded-xl border border-slate-200 bg-white p-5 shadow-xs transition-colors hover:border-slate-300"
    >
      <div className="flex items-center justify-between">
        <p className="text-sm font-medium text-slate-600">{label}</p>
        <Icon className="size-5 text-slate-400 group-hover:text-brand-600" />
      </div>
      <p className="mt-2 text-3xl font-semibold tracking-tight text-slate-900 tabular-nums">{value}</p>
    </Link>
  );
}
