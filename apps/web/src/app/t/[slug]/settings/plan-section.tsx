import { tenantEntitlements } from '@toolgate/api/services/plans';
import { COUNT_LIMITS, type CountLimit } from '@toolgate/core/plans';
import { webPlans } from '~/env';
import { webContext } from '~/server/context';

const LABELS: Record<CountLimit, string> = {
  gateways: 'Gateways',
  installations: 'Installed servers',
  members: 'Members',
};

/**
 * The workspace's plan and the count limits the services enforce, with what it uses now (owners
 * and admins; read-only: the operator sets plans and limits). Only limits that are enforced
 * are shown.
 */
export async function PlanSection({ tenantId }: { tenantId: string }) {
  const entitlements = await tenantEntitlements(webContext().db.db, tenantId, webPlans());
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
      </dl>
      <p className="border-t border-slate-100 px-5 py-3.5 text-sm text-slate-600">
        At a limit, new ones are refused; existing ones keep working. The operator of this deployment sets the
        plan and its limits.
      </p>
    </section>
  );
}
