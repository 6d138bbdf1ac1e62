import { ZEmailAddress, ZNewPassword, ZPersonName } from '@toolgate/api/schemas/accounts';
import { ZSlug, ZTenantSlug } from '@toolgate/core/slug';
import { z } from 'zod';

/** Form and service schemas for accounts and workspaces; shared by the browser and the server. */

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
