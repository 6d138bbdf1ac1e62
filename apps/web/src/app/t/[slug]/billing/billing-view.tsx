'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import type { BillingOverview } from '@toolgate/api/services/billing';
import { useSearchParams } from 'next/navigation';
import { useEffect, useState } from 'react';
import { Alert, Notice } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { Spinner } from '~/components/ui/spinner';
import { useTRPC } from '~/trpc/react';
import { formatCount, formatDate } from './format';
import { InvoicesTable } from './invoices-table';
import { PlansSection } from './plans-section';

const STATUS: Record<string, { label: string; tone: 'green' | 'amber' | 'red' | 'slate' }> = {
  active: { label: 'Active', tone: 'green' },
  trialing: { label: 'Trial', tone: 'green' },
  past_due: { label: 'Payment overdue', tone: 'amber' },
  unpaid: { label: 'Unpaid', tone: 'red' },
  incomplete: { label: 'Awaiting payment', tone: 'amber' },
  canceled: { label: 'Canceled', tone: 'slate' },
};

/** After Checkout, Stripe's webhook may land a moment later: poll this long for the new plan. */
const CHECKOUT_WAIT_MS = 60_000;

/** The Billing page's content (the owner, with Stripe on). */
export function BillingView() {
  const trpc = useTRPC();
  const params = useSearchParams();
  const checkout = params.get('checkout');
  const [waitUntil] = useState(() => (checkout === 'done' ? Date.now() + CHECKOUT_WAIT_MS : 0));
  const overview = useQuery({
    ...trpc.billing.overview.queryOptions(),
    // Until the subscription shows up, ask again every two seconds (for a minute at most).
    refetchInterval: (query) => (!query.state.data?.subscribed && Date.now() < waitUntil ? 2_000 : false),
  });
  const portal = useMutation(
    trpc.billing.portal.mutationOptions({ onSuccess: ({ url }) => window.location.assign(url) }),
  );

  if (overview.isPending)
    return (
      <p role="status" className="mt-8 flex items-center gap-2 text-sm text-slate-500">
        <Spinner className="size-4" /> Loading…
      </p>
    );
  if (overview.error) return <Alert className="mt-8">{overview.error.message}</Alert>;
  const data = overview.data;
  return (
    <>
      <CheckoutOutcome checkout={checkout} subscribed={data.subscribed} waitUntil={waitUntil} />
      {data.stripeUnavailable && (
        <Notice className="mt-6">
          Stripe could not be reached just now: prices and invoices are missing below. Reload to try again.
        </Notice>
      )}
      <section
        aria-labelledby="billing-plan-title"
        className="mt-8 overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs"
      >
        <div className="flex items-center justify-between gap-4 border-b border-slate-200 px-5 py-3">
          <h2 id="billing-plan-title" className="text-sm font-semibold text-slate-900">
            Subscription
          </h2>
          {data.hasCustomer && (
            <Button variant="secondary" size="sm" pending={portal.isPending} onClick={() => portal.mutate()}>
              Manage billing
            </Button>
          )}
        </div>
        {portal.error && <Alert className="mx-5 mt-4">{portal.error.message}</Alert>}
        <GraceWarning data={data} />
        <dl className="divide-y divide-slate-100">
          <Row label="Plan">
            <span data-testid="billing-plan">{data.plan.title}</span>
          </Row>
          <Row label="Status">
            {data.status ? (
              <Badge tone={STATUS[data.status]?.tone ?? 'slate'}>
                <span data-testid="billing-status">{STATUS[data.status]?.label ?? data.status}</span>
              </Badge>
            ) : (
              <span className="text-slate-500">No subscription</span>
            )}
          </Row>
          {data.currentPeriodEnd && data.subscribed && (
            <Row label={data.status === 'canceled' ? 'Ended' : 'Current period ends'}>
              {formatDate(new Date(data.currentPeriodEnd))}
            </Row>
          )}
          <Row
            label={`Tool calls, ${formatDate(new Date(data.usage.periodStart))} – ${formatDate(lastDay(data))}`}
          >
            <UsageMeter calls={data.usage.toolCalls} limit={data.usage.limit} />
          </Row>
        </dl>
      </section>
      <PlansSection data={data} />
      <InvoicesTable invoices={data.invoices} hasCustomer={data.hasCustomer} />
    </>
  );
}

/** The period ends at the start of next month; the last day shown is the day before. */
const lastDay = (data: BillingOverview) => new Date(Date.parse(data.usage.periodEnd) - 1);

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-3 gap-4 px-5 py-3.5 text-sm">
      <dt className="text-slate-500">{label}</dt>
      <dd className="col-span-2 font-medium text-slate-900">{children}</dd>
    </div>
  );
}

function GraceWarning({ data }: { data: BillingOverview }) {
  if (data.status !== 'past_due' && data.status !== 'unpaid') return null;
  return (
    <Notice role="status" className="mx-5 mt-4">
      The last payment failed.{' '}
      {data.graceEndsAt
        ? `The ${data.plan.title} plan stays in force until ${formatDate(new Date(data.graceEndsAt))}; after that the workspace gets the free plan's limits until a payment succeeds.`
        : "The workspace has the free plan's limits until a payment succeeds."}{' '}
      Update the payment method with Manage billing.
    </Notice>
  );
}

function UsageMeter({ calls, limit }: { calls: number; limit: number | null }) {
  if (limit === null) return <span data-testid="billing-usage">{formatCount(calls)} (no monthly limit)</span>;
  const share = limit === 0 ? 1 : Math.min(calls / limit, 1);
  const tone = share >= 1 ? 'bg-red-500' : share >= 0.8 ? 'bg-amber-500' : 'bg-brand-600';
  return (
    <span className="flex flex-col gap-1.5">
      <span data-testid="billing-usage">
        {formatCount(calls)} of {formatCount(limit)}
      </span>
      <span
        role="meter"
        aria-label="Tool calls this month"
        aria-valuemin={0}
        aria-valuemax={limit}
        aria-valuenow={Math.min(calls, limit)}
        className="h-2 w-full max-w-sm overflow-hidden rounded-full bg-slate-100"
      >
        <span className={`block h-full ${tone}`} style={{ width: `${Math.round(share * 100)}%` }} />
      </span>
    </span>
  );
}

function CheckoutOutcome({
  checkout,
  subscribed,
  waitUntil,
}: {
  checkout: string | null;
  subscribed: boolean;
  waitUntil: number;
}) {
  // Re-render once the wait is over so the message stops saying "updating".
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!waitUntil || subscribed) return;
    const timer = setTimeout(() => setTick((t) => t + 1), Math.max(0, waitUntil - Date.now()));
    return () => clearTimeout(timer);
  }, [waitUntil, subscribed]);
  if (checkout === 'canceled')
    return (
      <Notice className="mt-6">Checkout was canceled: nothing was charged and the plan is unchanged.</Notice>
    );
  if (checkout !== 'done') return null;
  if (subscribed)
    return (
      <Alert tone="success" className="mt-6">
        Payment received: your subscription is active.
      </Alert>
    );
  return Date.now() < waitUntil ? (
    <Notice role="status" className="mt-6 flex items-center gap-2">
      <Spinner className="size-4" /> Payment received; waiting for Stripe to confirm the subscription…
    </Notice>
  ) : (
    <Notice className="mt-6">
      Stripe has not confirmed the subscription yet. It shows here as soon as it does; reload in a moment.
    </Notice>
  );
}
