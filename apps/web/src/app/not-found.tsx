import type { Metadata } from 'next';
import { Logo } from '~/components/logo';
import { ButtonLink } from '~/components/ui/button';

export const metadata: Metadata = { title: 'Page not found' };

export default function NotFound() {
  return (
    <div className="flex min-h-screen flex-col px-6 py-8 sm:px-10">
      <Logo />
      <main className="flex flex-1 flex-col items-center justify-center pb-16 text-center">
        <p className="text-sm font-semibold text-brand-600">404</p>
        <h1 className="mt-3 text-3xl font-semibold tracking-tight text-slate-900">Page not found</h1>
        <p className="mt-3 max-w-md text-slate-600">
          This page does not exist, or you do not have access to it. If someone shared this link, ask them to
          invite you to their workspace.
        </p>
        <div className="mt-8 flex gap-3">
          <ButtonLink href="/t">Go to your workspaces</ButtonLink>
          <ButtonLink href="/" variant="secondary">
            Home
          </ButtonLink>
        </div>
      </main>
    </div>
  );
}
