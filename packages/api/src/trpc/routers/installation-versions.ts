import { z } from 'zod';
import type { Actor } from '../../actor.ts';
import type { ControlPlaneDeps } from '../../deps.ts';
import { ZId } from '../../schemas/common.ts';
import {
  ZCanaryReport,
  ZOfferedVersions,
  ZPinVersionRequest,
  ZStartCanaryRequest,
} from '../../schemas/installation-versions.ts';
import { ZInstallation } from '../../schemas/installations.ts';
import { getCanaryReport } from '../../services/installation-versions/get-canary-report.ts';
import { listOfferedVersions } from '../../services/installation-versions/list-offered-versions.ts';
import { pinVersion } from '../../services/installation-versions/pin-version.ts';
import { promoteCanary, rollBackCanary } from '../../services/installation-versions/promote-canary.ts';
import { startCanary } from '../../services/installation-versions/start-canary.ts';
import { protectedProcedure, router } from '../init.ts';

const ZById = z.strictObject({ installationId: ZId });

/*
 * Version pins and canaries of installations, as the REST API offers them. Thin adapters: the
 * services decide who may (as for every change to an installation) and tenancy.
 */
export const installationVersionsRouter = router({
  versions: protectedProcedure
    .input(ZById)
    .output(ZOfferedVersions)
    .query(({ ctx, input }) => listOfferedVersions(options(ctx, input.installationId))),
  pin: protectedProcedure
    .input(ZPinVersionRequest.extend({ installationId: ZId }))
    .output(ZInstallation)
    .mutation(({ ctx, input: { installationId, ...input } }) =>
      pinVersion({ ...options(ctx, installationId), input }),
    ),
  canary: protectedProcedure
    .input(ZById)
    .output(ZCanaryReport)
    .query(({ ctx, input }) => getCanaryReport(options(ctx, input.installationId))),
  startCanary: protectedProcedure
    .input(ZStartCanaryRequest.extend({ installationId: ZId }))
    .output(ZInstallation)
    .mutation(({ ctx, input: { installationId, ...input } }) =>
      startCanary({ ...options(ctx, installationId), input }),
    ),
  promoteCanary: protectedProcedure
    .input(ZById)
    .output(ZInstallation)
    .mutation(({ ctx, input }) => promoteCanary(options(ctx, input.installationId))),
  rollBackCanary: protectedProcedure
    .input(ZById)
    .output(ZInstallation)
    .mutation(({ ctx, input }) => rollBackCanary(options(ctx, input.installationId))),
});

function options(
  ctx: { deps: ControlPlaneDeps; scope: { db: ControlPlaneDeps['db']; tenantId: string; actor: Actor } },
  installationId: string,
) {
  return { ...ctx.scope, bus: ctx.deps.bus, installationId, npm: ctx.deps.npmRegistry };
}
