import { signIn } from 'next-auth/react';
import type { useRouter } from 'next/navigation';

/**
 * After an account was created: signs in with the same credentials and opens the workspace, or
 * the sign-in page should that fail.
 */
export async function signInAndOpen(
  router: ReturnType<typeof useRouter>,
  credentials: { email: string; password: string },
  tenantSlug: string,
): Promise<void> {
  const signedIn = await signIn('credentials', { ...credentials, redirect: false });
  router.replace(signedIn?.ok ? `/t/${tenantSlug}` : '/signin');
}
