import type { Metadata } from 'next';
import { requireMembership } from '~/server/auth/session';
import { LogDetail } from './log-detail';

export const metadata: Metadata = { title: 'Call' };

export default async function LogEventPage({ params }: { params: Promise<{ slug: string; id: string }> }) {
  const { slug, id } = await params;
  await requireMembership(slug);
  return <LogDetail tenantSlug={slug} eventId={id} />;
}
