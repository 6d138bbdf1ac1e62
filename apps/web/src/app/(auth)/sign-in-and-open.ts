import { signIn } from 'next-auth/react';
import type { useRouter } from 'next/navigation';

type Router = ReturnType<typeof useRouter>;

/**
 * Opens a local path after signing in. /oauth/* paths are route handlers that redirect to other
 * sites (an MCP client's callback), which the client-side router cannot follow: load them fully.
 */
export function openPath(router: Router, path: string): void {
  if (path.startsWith('/oauth/')) window.location.assign(path);
  else router.replace(path);
}

/** `?callbackUrl=` for links between sign-in and sign-up, so a detour keeps the way back. */
export const withCallback = (path: string, callbackUrl: string | undefined): string =>
  callbackUrl ? `${path}?callbackUrl=${encodeURIComponent(callbackUrl)}` : path;

/**
 * After an account was created: signs in with the same credentials and opens `returnTo` (where
 * the person was headed, e.g. an MCP client's authorization) or else the workspace, or the
 * sign-in page should that fail.
 */
export async function signInAndOpen(
  router: Router,
  credentials: { email: string; password: string },
  tenantSlug: string,
  returnTo?: string,
): Promise<void> {
  const signedIn = await signIn('credentials', { ...credentials, redirect: false });
  if (signedIn?.ok) openPath(router, returnTo ?? `/t/${tenantSlug}`);
  else router.replace(withCallback('/signin', returnTo));
}
