import type { Metadata } from 'next';
import { isAdmin } from '@toolgate/api/actor';
import { requireMembership } from '~/server/auth/session';
import { ApprovalsView } from './approvals-view';

export const metadata: Metadata = { title: 'Approvals' };

const one = (value: string | string[] | undefined) => (typeof value === 'string' && value ? value : null);

/** The approvals inbox. Emails announcing a request link here with `?id=<approval id>`. */
export default async function ApprovalsPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { slug } = await params;
  const query = await searchParams;
  const { membership } = await requireMembership(slug);
  return <ApprovalsView isAdmin={isAdmin(membership)} highlightId={one(query.id)} />;
}
