import { getQuotaStatus, ZQuotaStatus } from '../../services/quota/index.ts';
import { protectedProcedure, router } from '../init.ts';

/** Quota (issue 18; as the REST quota endpoints): any member reads their workspace's consumption. */
export const quotaRouter = router({
  get: protectedProcedure.output(ZQuotaStatus).query(({ ctx }) =>
    getQuotaStatus({
      db: ctx.deps.db,
      tenantId: ctx.tenantId,
      ...(ctx.deps.plans ? { plans: ctx.deps.plans } : {}),
    }),
  ),
});
