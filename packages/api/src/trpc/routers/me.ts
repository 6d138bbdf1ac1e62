import { ZAccount } from '../../schemas/members.ts';
import { getAccount } from '../../services/get-account.ts';
import { authedProcedure, router } from '../init.ts';

export const meRouter = router({
  get: authedProcedure.output(ZAccount).query(({ ctx }) => getAccount(ctx.deps.db, { userId: ctx.userId })),
});
