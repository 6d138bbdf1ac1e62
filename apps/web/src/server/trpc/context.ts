import type { Mailer } from '@toolgate/api/mail/mailer';
import type { Bus } from '@toolgate/bus';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Database } from '@toolgate/db/client';
import { findUserById, type MembershipRecord } from '@toolgate/db/tenancy';
import { sessionStands, type WebSession } from '../auth/web-session.ts';
import { getMembership } from '../services/get-membership.ts';

export { TENANT_HEADER } from '../../trpc/tenant-header.ts';

/** What control-plane procedures need besides the database (the same as the REST API's). */
export interface TrpcServices {
  bus: Bus;
  /** Public origin of the MCP proxy; gateway URLs are `${publicMcpUrl}/mcp/{tenant}/{gateway}`. */
  publicMcpUrl: string;
  /** Seals installation credentials; absent when no key ring is configured. */
  secretKeys?: KeyRing;
  /** Discovery may reach private and loopback addresses. */
  allowPrivateUpstreams: boolean;
  /** TOOLGATE_ALLOW_STDIO: local (stdio) servers may be registered and installed. Default: no. */
  allowStdio?: boolean;
  /** Sends invitation links (SMTP, or the log when none is configured). */
  mailer: Mailer;
  /** PUBLIC_WEB_URL: emailed links point here. */
  publicWebUrl: string;
}

export interface TrpcContext {
  db: Database;
  services: TrpcServices;
  /** From the session; null when signed out. */
  userId: string | null;
  /** The caller's membership in the workspace named by the request; null when absent or not a member. */
  membership: MembershipRecord | null;
}

/**
 * Resolves who is calling and in which workspace. Transport-free (the route handler passes the
 * web session and the header's slug), so tests build it with `createCaller` directly. A session
 * whose user is gone, or that was signed in before the password was last reset, is signed out.
 */
export async function createTrpcContext({
  db,
  services,
  session,
  tenantSlug,
}: {
  db: Database;
  services: TrpcServices;
  session: WebSession | null;
  tenantSlug: string | null;
}): Promise<TrpcContext> {
  if (!session) return { db, services, userId: null, membership: null };
  const { userId } = session;
  const [user, membership] = await Promise.all([
    findUserById(db, userId),
    tenantSlug ? getMembership(db, { userId, tenantSlug }) : null,
  ]);
  if (!user || !sessionStands(user, session)) return { db, services, userId: null, membership: null };
  return { db, services, userId, membership };
}
