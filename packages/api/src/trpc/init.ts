import { initTRPC, TRPCError } from '@trpc/server';
import type { AppError } from '@toolgate/core/errors';
import superjson from 'superjson';
import { z } from 'zod';
import { isAdmin } from '../actor.ts';
import { fieldErrors } from '../schemas/field-errors.ts';
import {
  appErrorFields,
  describeIssues,
  fieldIssues,
  invalidInput,
  unstorableInputIssues,
} from '../validation.ts';
import { asAppError, trpcCodeFor } from './app-errors.ts';
import type { TrpcContext } from './context.ts';

/**
 * What a service's error says beyond its message and fields (a 409's `reason` and the things it
 * names, as the REST API answers them under `error.details`), for dialogs that show them.
 */
function appErrorDetails(error: AppError | null): Record<string, unknown> | null {
  if (!error?.details) return null;
  const { fields: _fields, ...details } = error.details;
  return Object.keys(details).length > 0 ? details : null;
}

const t = initTRPC.context<TrpcContext>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    // Forms show these under their inputs: zod input errors and services' field messages alike.
    const cause = error.cause;
    const appError = asAppError(cause);
    const fields =
      cause instanceof z.ZodError ? fieldErrors(cause) : appError ? appErrorFields(appError) : null;
    // tRPC's own message for bad input is the issues as JSON; say it in words as services do.
    const message = cause instanceof z.ZodError ? describeIssues(fieldIssues(cause)) : shape.message;
    return { ...shape, message, data: { ...shape.data, fields, details: appErrorDetails(appError) } };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Services throw AppError; turn it into the matching tRPC error, keeping the message. */
const mapAppErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const appError = asAppError(result.error.cause);
    if (appError)
      throw new TRPCError({ code: trpcCodeFor(appError), message: appError.message, cause: appError });
  }
  return result;
});

/**
 * Text Postgres cannot store (NUL, unpaired surrogates) and absurd nesting are refused for every
 * procedure before its input schema runs, as the REST API refuses them: INVALID naming the field.
 */
const refuseUnstorableInput = t.middleware(async ({ getRawInput, next }) => {
  const issues = unstorableInputIssues(await getRawInput());
  if (issues.length > 0) throw invalidInput(issues);
  return next();
});

export const publicProcedure = t.procedure.use(mapAppErrors).use(refuseUnstorableInput);

/** A signed-in user, no workspace needed. */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.userId) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in first' });
  return next({ ctx: { userId: ctx.userId } });
});

/**
 * A member of the workspace the request names. Not a member and no such workspace look the same
 * (NOT_FOUND), so probing slugs reveals nothing.
 */
export const protectedProcedure = authedProcedure.use(({ ctx, next }) => {
  const membership = ctx.membership;
  if (!membership) throw new TRPCError({ code: 'NOT_FOUND', message: 'workspace not found' });
  const actor = { userId: ctx.userId, role: membership.role };
  return next({
    ctx: {
      tenantId: membership.tenantId,
      tenantSlug: membership.tenantSlug,
      role: membership.role,
      actor,
      /** What every workspace service takes from the request: `listGateways(ctx.scope)`. */
      scope: { db: ctx.deps.db, tenantId: membership.tenantId, actor, plans: ctx.deps.plans },
    },
  });
});

/** An owner or admin of the workspace. */
export const adminProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (!isAdmin(ctx.actor)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'only owners and admins can do this' });
  }
  return next();
});
