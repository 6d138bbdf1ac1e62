import { createBus } from '@toolgate/bus';
import type { Database } from '@toolgate/db/client';
import { users } from '@toolgate/db/schema';
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import type { ControlPlaneDeps } from '../../deps.ts';
import { signUp, type SignUpResult } from '../../services/sign-up.ts';
import { createOutboxMailer } from '../../testing/outbox-mailer.ts';
import type { WebSession } from '../../web-session.ts';
import { createTrpcContext } from '../context.ts';
import { createCaller } from '../root.ts';

/** The control plane's deps without the database, which each test file opens for itself. */
export type TestServices = Omit<ControlPlaneDeps, 'db'>;

/**
 * What the web process hands tRPC, for tests: an in-process bus, a mailer that keeps what it is
 * given, no private upstreams. A test file overrides what it exercises (and closes a bus it passes).
 */
export function testServices(overrides: Partial<TestServices> = {}): TestServices {
  return {
    publicMcpUrl: 'http://mcp.test',
    allowPrivateUpstreams: false,
    publicWebUrl: 'http://web.test',
    ...overrides,
    bus: overrides.bus ?? createBus({}),
    mailer: overrides.mailer ?? createOutboxMailer(),
  };
}

/**
 * The app router called in process, as `userId` (null: signed out) signed in just now, in the
 * workspace `tenantSlug`.
 */
export function callerAs(
  db: Database,
  services: TestServices,
  userId: string | null,
  tenantSlug: string | null,
) {
  return callerWithSession(db, services, userId ? { userId, signedInAt: Date.now() } : null, tenantSlug);
}

/** The app router called in process with this web session, as the route handler builds it. */
export async function callerWithSession(
  db: Database,
  services: TestServices,
  session: WebSession | null,
  tenantSlug: string | null,
) {
  return createCaller(await createTrpcContext({ deps: { ...services, db }, session, tenantSlug }));
}

/** The TRPCError a call rejects with; fails the test if it resolves or throws anything else. */
export async function trpcError(promise: Promise<unknown>): Promise<TRPCError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof TRPCError)) throw new Error(`expected a TRPCError, got ${String(err)}`);
  return err;
}

/**
 * A workspace signed up as a person does it: "Owner A" owns "Workspace A" (`ws-a-{suffix}`), with
 * the password `password-a-123` unless given one, and has followed the emailed verification link
 * (tests of verification itself call `signUp`).
 */
export async function signUpWorkspace(
  db: Database,
  label: string,
  suffix: string,
  password = `password-${label.toLowerCase()}-123`,
): Promise<SignUpResult> {
  const x = label.toLowerCase();
  const signedUp = await signUp(db, {
    name: `Owner ${label}`,
    email: `owner-${x}-${suffix}@example.test`,
    password,
    workspaceName: `Workspace ${label}`,
    workspaceSlug: `ws-${x}-${suffix}`,
  });
  await db.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, signedUp.userId));
  return signedUp;
}
