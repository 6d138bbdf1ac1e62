import { FEATURE_LABELS, tenantEntitlements } from '@toolgate/api/services/plans';
import { COUNT_LIMITS, FEATURES, type CountLimit } from '@toolgate/core/plans';
import Link from 'next/link';
import { webBilling, webPlans } from '~/env';
import { webContext } from '~/server/context';

const LABELS: Record<CountLimit, string> = {
  gateways: 'Gateways',
  installations: 'Installed servers',
  members: 'Members',
};

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * The workspace's plan and the count limits the services enforce, with what it uses now, the
 * audit log's retention limit and the plan's features (owners and admins; read-only: the
 * operator sets plans and limits). Only limits that are enforced are shown. Without a feature,
 * nothing new can use it; what already does keeps working.
 */
export async function PlanSection({
  tenantId,
  billingHref,
}: {
  tenantId: string;
  /** The Billing page, for its owner when Stripe billing is on. */
  billingHref?: string;
}) {
  const entitlements = await tenantEntitlements(webContext().db.db, tenantId, webPlans());
  const retention = entitlements.limits.auditRetentionDays;
  return (
    <section
      aria-labelledby="workspace-plan-title"
      className="mt-8 overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs"
    >
      <h2
        id="workspace-plan-title"
        className="border-b border-slate-200 px-5 py-3.5 text-sm font-semibold text-slate-900"
      >
        Plan
      </h2>
      <dl className="divide-y divide-slate-100">
        <div className="grid grid-cols-3 gap-4 px-5 py-3.5 text-sm">
          <dt className="text-slate-500">Plan</dt>
          <dd className="col-span-2 font-medium text-slate-900" data-testid="plan-name">
            {entitlements.plan.title}
          </dd>
        </div>
        {COUNT_LIMITS.map((key) => {
          const max = entitlements.limits[key];
          const used = entitlements.counts[key];
          const over = max !== null && used >= max;
          return (
            <div
              key={key}
              className="grid grid-cols-3 gap-4 px-5 py-3.5 text-sm"
              data-testid={`plan-limit-${key}`}
            >
              <dt className="text-slate-500">{LABELS[key]}</dt>
              <dd className={`col-span-2 font-medium ${over ? 'text-amber-700' : 'text-slate-900'}`}>
                {max === null ? `${used} (no limit)` : `${used} of ${max}`}
                {entitlements.sources[key] === 'override' && (
                  <span className="ml-2 font-normal text-slate-500">set for this workspace</span>
                )}
              </dd>
            </div>
          );
        })}
        <div
          className="grid grid-cols-3 gap-4 px-5 py-3.5 text-sm"
          data-testid="plan-limit-auditRetentionDays"
        >
          <dt className="text-slate-500">Audit log kept for</dt>
          <dd className="col-span-2 font-medium text-slate-900">
            {retention === null ? 'No plan limit' : `At most ${retention} days`}
            {entitlements.sources.auditRetentionDays === 'override' && (
              <span className="ml-2 font-normal text-slate-500">set for this workspace</span>
            )}
          </dd>
        </div>
        {FEATURES.map((feature) => {
          const included = entitlements.features.includes(feature);
          return (
            <div
              key={feature}
              className="grid grid-cols-3 gap-4 px-5 py-3.5 text-sm"
              data-testid={`plan-feature-${feature}`}
            >
              <dt className="text-slate-500">{capitalized(FEATURE_LABELS[feature])}</dt>
              <dd className={`col-span-2 font-medium ${included ? 'text-slate-900' : 'text-slate-500'}`}>
                {included ? 'Included' : 'Not included (new ones are refused; existing ones keep working)'}
              </dd>
            </div>
          );
        })}
      </dl>
      <p className="border-t border-slate-100 px-5 py-3.5 text-sm text-slate-600">
        At a limit, new ones are refused; existing ones keep working.{' '}
        {!webBilling() ? (
          'The operator of this deployment sets the plan and its limits.'
        ) : billingHref ? (
          <Link
            href={billingHref}
            className="font-medium text-brand-700 hover:text-brand-800 hover:underline"
          >
            Change the plan on the Billing page
          </Link>
        ) : (
          'The workspace owner changes the plan on the Billing page.'
        )}
      </p>
    </section>
  );
}
