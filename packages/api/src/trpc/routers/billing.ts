import { router } from '../init.ts';

/** Billing (issue 18; as the REST billing endpoints). */
export const billingRouter = router({});
