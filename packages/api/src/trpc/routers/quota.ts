import { router } from '../init.ts';

/** Quota (issue 18; as the REST quota endpoints). */
export const quotaRouter = router({});
