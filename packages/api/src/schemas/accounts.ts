import type { MIN_PASSWORD_LENGTH as CORE_MIN_PASSWORD_LENGTH } from '@toolgate/core/password';
import { ZSlug, ZTenantSlug } from '@toolgate/core/slug';
import { z } from 'zod';

/** Account and workspace inputs shared by the services and the UI's forms (browser-safe: zod only). */

// A literal rather than a value import: core/password loads a native module. Typed as core's
// constant, so the two cannot drift apart.
const MIN_PASSWORD_LENGTH: typeof CORE_MIN_PASSWORD_LENGTH = 8;

export const ZEmailAddress = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email('Enter a valid email address').max(254, 'Email address is too long'));

export const ZNewPassword = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters`)
  // argon2 cost is per byte; an unbounded password is a cheap way to burn CPU.
  .max(200, 'Use at most 200 characters');

export const ZPersonName = z.string().trim().min(1, 'Enter your name').max(100, 'Use at most 100 characters');

/** Reset and invitation links carry these; the shape is checked before any lookup. */
export const ZLinkToken = z.string().max(200);

export const ZRequestPasswordReset = z.strictObject({ email: ZEmailAddress });
export type RequestPasswordReset = z.input<typeof ZRequestPasswordReset>;

export const ZResetPasswordRequest = z.strictObject({ token: ZLinkToken, password: ZNewPassword });
export type ResetPasswordRequest = z.input<typeof ZResetPasswordRequest>;

/** Why a link no longer works; pages say so in words. */
export const ZLinkProblem = z.enum(['invalid', 'expired', 'used']);
export type LinkProblem = z.infer<typeof ZLinkProblem>;

export const ZWorkspaceName = z
  .string()
  .trim()
  .min(1, 'Enter a workspace name')
  .max(100, 'Use at most 100 characters');

/** ZTenantSlug, with the reserved-name refusal phrased for a form. */
export const ZWorkspaceSlug = z
  .string()
  .trim()
  .pipe(ZSlug)
  .superRefine((slug, ctx) => {
    if (!ZTenantSlug.safeParse(slug).success) {
      ctx.addIssue({ code: 'custom', message: 'This URL is reserved, choose another' });
    }
  });

export const ZSignUpRequest = z.object({
  name: ZPersonName,
  email: ZEmailAddress,
  password: ZNewPassword,
  workspaceName: ZWorkspaceName,
  workspaceSlug: ZWorkspaceSlug,
});
export type SignUpRequest = z.input<typeof ZSignUpRequest>;

export const ZSignInRequest = z.object({
  email: ZEmailAddress,
  password: z.string().min(1, 'Enter your password').max(200, 'Use at most 200 characters'),
});
export type SignInRequest = z.input<typeof ZSignInRequest>;

export const ZCreateWorkspaceRequest = z.object({
  workspaceName: ZWorkspaceName,
  workspaceSlug: ZWorkspaceSlug,
});
export type CreateWorkspaceRequest = z.input<typeof ZCreateWorkspaceRequest>;

/** A verification link was issued: to which address, and whether it left the server (SMTP) or was logged. */
export const ZVerificationEmailSent = z.object({ email: z.string(), emailed: z.boolean() });
export type VerificationEmailSent = z.infer<typeof ZVerificationEmailSent>;
