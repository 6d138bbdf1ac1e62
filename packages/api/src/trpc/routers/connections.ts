import { AppError } from '@toolgate/core/errors';
import { z } from 'zod';
import { ZId } from '../../schemas/common.ts';
import {
  ZConnection,
  ZConnectionRemoval,
  ZStartConnectionRequest,
  ZStartedConnection,
} from '../../schemas/connections.ts';
import { deleteConnection } from '../../services/connections/delete-connection.ts';
import { listConnections } from '../../services/connections/list-connections.ts';
import { startConnection } from '../../services/connections/start-connection.ts';
import type { ControlPlaneDeps } from '../../deps.ts';
import { protectedProcedure, router } from '../init.ts';

/*
 * Connected accounts (gateway-managed upstream OAuth), as the REST API's /connections routes: the
 * services decide who may connect, see and disconnect which account.
 */

/** Tokens are sealed with the secret key ring; a deployment without one cannot hold accounts. */
const keysOf = (deps: ControlPlaneDeps) => {
  if (!deps.secretKeys) throw new AppError('UNAVAILABLE', 'This server has no secret keys configured');
  return deps.secretKeys;
};

export const connectionsRouter = router({
  /** The caller's own accounts, their teams' and the organization's; owners and admins: all. */
  list: protectedProcedure.output(z.array(ZConnection)).query(({ ctx }) => listConnections(ctx.scope)),
  /** Where to send the user to consent at the server; its callback lands on Connected accounts. */
  start: protectedProcedure
    .input(ZStartConnectionRequest)
    .output(ZStartedConnection)
    .mutation(({ ctx, input }) =>
      startConnection({
        ...ctx.scope,
        keys: keysOf(ctx.deps),
        input,
        publicWebUrl: ctx.deps.publicWebUrl,
        allowPrivate: ctx.deps.allowPrivateUpstreams ?? false,
      }),
    ),
  /** Revoked at the server when it offers revocation (RFC 7009), then forgotten. */
  remove: protectedProcedure
    .input(z.object({ id: ZId }))
    .output(ZConnectionRemoval)
    .mutation(({ ctx, input }) =>
      deleteConnection({
        ...ctx.scope,
        bus: ctx.deps.bus,
        keys: keysOf(ctx.deps),
        connectionId: input.id,
        allowPrivate: ctx.deps.allowPrivateUpstreams ?? false,
      }),
    ),
});
