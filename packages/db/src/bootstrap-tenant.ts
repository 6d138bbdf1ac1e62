import { AppError } from '@toolgate/core/errors';
import { generateApiToken } from '@toolgate/core/api-token';
import { hashPassword, MIN_PASSWORD_LENGTH } from '@toolgate/core/password';
import { ZTenantSlug } from '@toolgate/core/slug';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from './client.ts';
import { apiTokens, memberships, tenants, users } from './schema/index.ts';

export const ZBootstrapTenantRequest = z.object({
  slug: ZTenantSlug,
  name: z.string().min(1).max(100).optional(),
  email: z.string().email(),
  password: z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`),
});
export type BootstrapTenantRequest = z.infer<typeof ZBootstrapTenantRequest>;

export interface BootstrapTenantResult {
  tenantId: string;
  userId: string;
  adminToken: string;
}

/**
 * Creates a tenant, its owner (an existing user with that email is reused, password unchanged)
 * and an org-scoped admin API token, in one transaction. The token is returned once.
 */
export async function bootstrapTenant(
  db: Database,
  input: BootstrapTenantRequest,
): Promise<BootstrapTenantResult> {
  const parsed = ZBootstrapTenantRequest.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError('INVALID', `${issue.path.join('.') || 'input'}: ${issue.message}`);
  }
  const { slug, name, email, password } = parsed.data;
  // Hash before the transaction: never hold a (multiplexed, embedded) connection while computing.
  const passwordHash = await hashPassword(password);
  const token = generateApiToken();

  return db.transaction(async (tx) => {
    const [tenant] = await tx
      .insert(tenants)
      .values({ slug, name: name ?? slug })
      .onConflictDoNothing({ target: tenants.slug })
      .returning({ id: tenants.id });
    if (!tenant) throw new AppError('CONFLICT', `tenant "${slug}" already exists`);

    // The operator vouches for the address: the owner counts as verified.
    const [existing] = await tx
      .update(users)
      .set({ emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())` })
      .where(sql`lower(${users.email}) = ${email.toLowerCase()}`)
      .returning({ id: users.id });
    const userId =
      existing?.id ??
      (
        await tx
          .insert(users)
          .values({ email, passwordHash, emailVerifiedAt: sql`now()` })
          .returning({ id: users.id })
      )[0]!.id;

    await tx.insert(memberships).values({ tenantId: tenant.id, userId, role: 'owner' });
    await tx.insert(apiTokens).values({
      tenantId: tenant.id,
      name: 'bootstrap admin token',
      tokenHash: token.hash,
      displayPrefix: token.displayPrefix,
      scope: 'org',
      capabilities: ['mcp', 'admin'],
      createdBy: userId,
    });
    return { tenantId: tenant.id, userId, adminToken: token.token };
  });
}
