'use client';

import { useMutation } from '@tanstack/react-query';
import type { BillingOverview, BuyablePlan } from '@toolgate/api/services/billing';
import { Alert } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { useTRPC } from '~/trpc/react';
import { formatMoney } from './format';

function priceText(plan: BuyablePlan): string {
  const price = plan.price;
  if (!price) return 'Price unavailable';
  const base =
    price.amount === null || price.currency === null
      ? 'Priced by Stripe'
      : formatMoney(price.amount, price.currency);
  return price.interval ? `${base} / ${price.interval}` : base;
}

/** The plans with a Stripe price: Upgrade opens Stripe Checkout; with a subscription, the portal changes plans. */
export function PlansSection({ data }: { data: BillingOverview }) {
  const trpc = useTRPC();
  const checkout = useMutation(
    trpc.billing.checkout.mutationOptions({ onSuccess: ({ url }) => window.location.assign(url) }),
  );
  if (data.plans.length === 0) return null;
  return (
    <section
      aria-labelledby="billing-plans-title"
      className="mt-8 overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs"
    >
      <h2
        id="billing-plans-title"
        className="border-b border-slate-200 px-5 py-3.5 text-sm font-semibold text-slate-900"
      >
        Plans
      </h2>
      {checkout.error && <Alert className="mx-5 mt-4">{checkout.error.message}</Alert>}
      <ul className="divide-y divide-slate-100">
        {data.plans.map((plan) => (
          <li
            key={plan.name}
            className="flex items-center justify-between gap-4 px-5 py-3.5 text-sm"
            data-testid={`billing-plan-${plan.name}`}
          >
            <div>
              <p className="font-medium text-slate-900">{plan.title}</p>
              <p className="text-slate-600">
                {priceText(plan)}
                {plan.metered && ', plus tool calls by usage'}
              </p>
            </div>
            {plan.current && data.subscribed ? (
              <Badge tone="brand">Current plan</Badge>
            ) : data.subscribed ? null : (
              <Button
                size="sm"
                pending={checkout.isPending && checkout.variables.plan === plan.name}
                disabled={checkout.isPending}
                onClick={() => checkout.mutate({ plan: plan.name })}
                aria-label={`Upgrade to ${plan.title}`}
              >
                Upgrade
              </Button>
            )}
          </li>
        ))}
      </ul>
      {data.subscribed && (
        <p className="border-t border-slate-100 px-5 py-3.5 text-sm text-slate-600">
          To change or cancel the plan, use Manage billing.
        </p>
      )}
    </section>
  );
}
