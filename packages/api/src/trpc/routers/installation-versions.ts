import { router } from '../init.ts';

/** Version pins and canaries of installations, as the REST API offers them. */
export const installationVersionsRouter = router({});
