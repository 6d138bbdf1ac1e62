import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { LAST_WORKSPACE_COOKIE } from '~/components/shell/workspace-cookie';
import { requireAccount } from '~/server/auth/session';

/** Where sign-in lands: the workspace last used (if still a member), else the first, else a new one. */
export default async function WorkspacesIndex() {
  const account = await requireAccount('/t');
  const remembered = (await cookies()).get(LAST_WORKSPACE_COOKIE)?.value;
  const target = account.memberships.find((m) => m.tenantSlug === remembered) ?? account.memberships[0];
  redirect(target ? `/t/${target.tenantSlug}` : '/workspaces/new');
}
