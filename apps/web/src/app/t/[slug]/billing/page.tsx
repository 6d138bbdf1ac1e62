import type { Metadata } from 'next';
import { Suspense } from 'react';
import { PageHeader } from '~/components/ui/page-header';
import { webBilling } from '~/env';
import { requireMembership } from '~/server/auth/session';
import { BillingView } from './billing-view';

export const metadata: Metadata = { title: 'Billing' };

export default async function BillingPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { membership } = await requireMembership(slug);
  const on = Boolean(webBilling());
  const owner = membership.role === 'owner';
  return (
    <>
      <PageHeader
        title="Billing"
        description="The workspace's plan and subscription, this month's tool calls, and invoices. Payments are handled by Stripe."
      />
      {!on ? (
        <p className="mt-8 text-sm text-slate-600">
          Billing is not turned on for this deployment: the operator sets each workspace&apos;s plan.
        </p>
      ) : !owner ? (
        <p className="mt-8 text-sm text-slate-600">Only the workspace owner manages billing.</p>
      ) : (
        // The view reads the Checkout outcome (?checkout=done) from the URL.
        <Suspense>
          <BillingView />
        </Suspense>
      )}
    </>
  );
}
