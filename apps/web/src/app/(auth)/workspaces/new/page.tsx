import type { Metadata } from 'next';
import { webEnv } from '~/env';
import { requireAccount } from '~/server/auth/session';
import { CreateWorkspaceForm } from './create-workspace-form';

export const metadata: Metadata = { title: 'Create a workspace' };

export default async function NewWorkspacePage() {
  const account = await requireAccount('/workspaces/new');
  const host = new URL(webEnv().PUBLIC_WEB_URL).host;
  const first = account.memberships.length === 0;
  return (
    <>
      <h1 className="text-2xl font-semibold tracking-tight text-slate-900">
        {first ? 'Create your first workspace' : 'Create a workspace'}
      </h1>
      <p className="mt-2 text-sm text-slate-600">
        {first
          ? `Welcome, ${account.user.name ?? account.user.email}. A workspace holds your organisation's servers, gateways and teams.`
          : 'A separate workspace has its own servers, gateways, teams and members. You will be its owner.'}
      </p>
      <div className="mt-8">
        <CreateWorkspaceForm
          urlPrefix={`${host}/t/`}
          cancelHref={first ? undefined : `/t/${account.memberships[0]!.tenantSlug}`}
        />
      </div>
    </>
  );
}
