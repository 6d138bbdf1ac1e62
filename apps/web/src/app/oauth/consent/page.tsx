import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { BuildingIcon, CheckIcon, GatewayIcon, WarningIcon } from '~/components/icons';
import { Badge } from '~/components/ui/badge';
import { buttonClasses, ButtonLink } from '~/components/ui/button';
import { getCurrentAccount } from '~/server/auth/session';
import { consentView } from '~/server/oauth/consent-view';
import { oauthDeps, OAuthNotConfiguredError } from '~/server/oauth/deps';
import { LinkProblem } from '../../(auth)/link-problem';

export const metadata: Metadata = { title: 'Authorize application', robots: { index: false } };
export const dynamic = 'force-dynamic';

const PROBLEMS = {
  expired: {
    title: 'This request has expired',
    message:
      'Authorization requests are valid for ten minutes. Go back to the application and connect again.',
  },
  'other-user': {
    title: 'Signed in as someone else',
    message:
      'This request was started by another account. Go back to the application and connect again as yourself.',
  },
  unconfigured: {
    title: 'Sign-in for applications is not set up',
    message: 'This Toolgate installation has no secret keys configured. Ask your administrator.',
  },
} as const;

function Problem({ kind }: { kind: keyof typeof PROBLEMS }) {
  return (
    <LinkProblem {...PROBLEMS[kind]}>
      <ButtonLink href="/t" variant="secondary">
        Go to your workspaces
      </ButtonLink>
    </LinkProblem>
  );
}

/**
 * Consent for an MCP client: which application, where the user will be sent, which gateway and
 * what it may do. The request arrives sealed from /oauth/authorize; the decision posts back with
 * that ticket and a CSRF token bound to it and to this session.
 */
export default async function ConsentPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const sealed = typeof params.ticket === 'string' ? params.ticket : '';
  const account = await getCurrentAccount();
  if (!account) {
    redirect(
      `/signin?callbackUrl=${encodeURIComponent(`/oauth/consent?ticket=${encodeURIComponent(sealed)}`)}`,
    );
  }
  let keys;
  try {
    keys = oauthDeps().keys;
  } catch (err) {
    if (err instanceof OAuthNotConfiguredError) return <Problem kind="unconfigured" />;
    throw err;
  }
  const view = consentView(keys, sealed, account.user.id);
  if (!view.ok) return <Problem kind={view.reason} />;
  const { client, gateway, tenant, redirectHost, resource } = view.request;

  return (
    <div className="flex flex-col gap-6">
      <div>
        <div className="flex flex-wrap items-center gap-2">
          <h1 className="text-2xl font-semibold tracking-tight text-balance text-slate-900">
            {client.name} wants to use {gateway.name}
          </h1>
          {view.verified ? (
            <Badge tone="green">Registered by your organisation</Badge>
          ) : (
            <Badge tone="amber">Unverified application</Badge>
          )}
        </div>
        {!view.verified && (
          <p className="mt-2 text-sm text-slate-600">
            The application chose this name itself; Toolgate has not checked who publishes it.
            {client.kind === 'cimd' && (
              <>
                {' '}
                It identifies itself as{' '}
                <span className="font-mono break-all text-slate-800">{client.clientId}</span>.
              </>
            )}
          </p>
        )}
      </div>

      <div className="rounded-xl bg-amber-50 p-4 ring-1 ring-amber-600/20">
        <p className="flex items-center gap-2 text-xs font-medium text-amber-800">
          <WarningIcon className="size-4" />
          If you approve, you will be sent to
        </p>
        <p className="mt-1 font-mono text-lg font-semibold break-all text-slate-900">{redirectHost}</p>
        <p className="mt-1 text-xs text-amber-800">
          Only continue if you trust this address and started this yourself.
        </p>
      </div>

      <dl className="grid gap-3 rounded-xl bg-white p-4 text-sm ring-1 ring-slate-200">
        <div className="flex items-start gap-3">
          <GatewayIcon className="mt-0.5 size-4.5 shrink-0 text-slate-400" />
          <div className="min-w-0">
            <dt className="text-xs font-medium text-slate-500">Gateway</dt>
            <dd className="font-medium text-slate-900">{gateway.name}</dd>
            <dd className="font-mono text-xs break-all text-slate-500">{resource}</dd>
          </div>
        </div>
        <div className="flex items-start gap-3">
          <BuildingIcon className="mt-0.5 size-4.5 shrink-0 text-slate-400" />
          <div>
            <dt className="text-xs font-medium text-slate-500">Workspace</dt>
            <dd className="font-medium text-slate-900">{tenant.name}</dd>
          </div>
        </div>
      </dl>

      <div>
        <h2 className="text-sm font-medium text-slate-900">It will be able to</h2>
        <ul className="mt-2 flex flex-col gap-2">
          {view.scopes.map((s) => (
            <li key={s.scope} className="flex items-center gap-2.5 text-sm text-slate-700">
              <span className="flex size-5 items-center justify-center rounded-full bg-brand-50 text-brand-600">
                <CheckIcon className="size-3.5" />
              </span>
              {s.label}
              <span className="font-mono text-xs text-slate-400">{s.scope}</span>
            </li>
          ))}
        </ul>
        <p className="mt-2 text-xs text-slate-500">
          As you, {account.user.email}, with the access you have in this workspace.
        </p>
      </div>

      <form
        method="post"
        action="/oauth/consent/decision"
        className="flex flex-col gap-3 sm:flex-row-reverse"
      >
        <input type="hidden" name="ticket" value={view.ticket} />
        <input type="hidden" name="csrf" value={view.csrf} />
        <button
          type="submit"
          name="decision"
          value="approve"
          className={`${buttonClasses({ size: 'lg' })} sm:flex-1`}
        >
          Approve
        </button>
        <button
          type="submit"
          name="decision"
          value="deny"
          className={`${buttonClasses({ variant: 'secondary', size: 'lg' })} sm:flex-1`}
        >
          Deny
        </button>
      </form>
    </div>
  );
}
