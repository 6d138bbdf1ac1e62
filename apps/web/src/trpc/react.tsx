'use client';

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, type TRPCClientErrorLike } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { useState, type ReactNode } from 'react';
import superjson from 'superjson';
import type { AppRouter } from '@toolgate/api/trpc/root';
import { TENANT_HEADER } from './tenant-header.ts';

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

export type TrpcError = TRPCClientErrorLike<AppRouter>;

/** Field messages the server attached to an error (zod input errors and service conflicts). */
export const errorFields = (error: TrpcError | null): Record<string, string | undefined> =>
  error?.data?.fields ?? {};

const CLIENT_ERRORS = new Set([400, 401, 403, 404, 409, 422]);

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        // Retrying cannot fix a refused or malformed request; it can fix a flaky network.
        retry: (count, error) => {
          const status = (error as Partial<TrpcError>).data?.httpStatus;
          return count < 2 && !(status && CLIENT_ERRORS.has(status));
        },
      },
    },
  });
}

/**
 * tRPC for one workspace: every call names it in a header (the server checks membership), and
 * the query cache belongs to it, so switching workspaces never shows another one's data.
 */
export function TrpcProvider({ tenantSlug, children }: { tenantSlug: string; children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: '/api/trpc',
          transformer: superjson,
          headers: { [TENANT_HEADER]: tenantSlug },
        }),
      ],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
