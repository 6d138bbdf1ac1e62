import { router } from '../init.ts';

/** A self-hosted server's log, read from the runner hosting it. */
export const serverLogsRouter = router({});
