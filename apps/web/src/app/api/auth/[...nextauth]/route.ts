import NextAuth from 'next-auth';
import type { NextRequest } from 'next/server';
import { authOptions } from '~/server/auth/options';

export const dynamic = 'force-dynamic';

interface RouteContext {
  params: Promise<{ nextauth: string[] }>;
}

// Options are built per request, not at import: `next build` loads this module without an env.
async function handler(req: NextRequest, context: RouteContext): Promise<Response> {
  return (await NextAuth(req, context, authOptions())) as Response;
}

export { handler as GET, handler as POST };
