import { randomUUID } from 'node:crypto';
import type { Bus } from '@toolgate/bus';
import { seal, type KeyRing } from '@toolgate/core/crypto';
import { AppError } from '@toolgate/core/errors';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { installations } from '@toolgate/db/schema';
import { requireAdmin, type Actor } from '../actor.ts';
import { requireVerifiedEmail } from '../email-verification.ts';
import { findUsableEntry, installationNameTaken } from '../installation-access.ts';
import {
  ZCreateInstallationRequest,
  type CreateInstallationRequest,
  type DiscoveredInstallation,
} from '../schemas/installations.ts';
import { requireStdioAllowed } from '../stdio-policy.ts';
import { requireTeamMaintainer } from '../team-access.ts';
import { isUniqueViolation } from '../pg-errors.ts';
import { requireTeams } from '../tenant-refs.ts';
import { credentialsAad } from '../upstream/discovery-target.ts';
import { requireForwardedJwtSigning } from '../upstream/forwarded-jwt.ts';
import { describeIssues, parseInput, type FieldIssue } from '../validation.ts';
import { discoverInstallation } from './discover-installation.ts';
import { requireFeature } from './plans/plan-features.ts';
import { requirePlanRoom } from './plans/plan-limits.ts';

export interface CreateInstallationOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  input: CreateInstallationRequest;
  /** Seals the secret field values; the first key encrypts. Opens the Forwarded JWT signing key. */
  secretKeys?: KeyRing;
  /** issuerFrom(PUBLIC_WEB_URL): discovery of a `jwt` server sends the installer a Forwarded JWT. */
  issuer?: string;
  /** Let discovery reach private and loopback addresses (self-hosted upstreams, tests). */
  allowPrivate: boolean;
  /** TOOLGATE_ALLOW_STDIO: whether local (stdio) servers may be installed. Default: refused. */
  allowStdio?: boolean;
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
  /** The deployment's plans: the tenant's installation limit and the `idJag` feature are enforced. Absent: every tenant unlimited. */
  plans?: PlansConfig;
}

/**
 * Installs a registry entry for the org (owners and admins), a team (also its maintainers) or the
 * caller personally, storing secret field values sealed and the others as config, then discovers
 * its tools.
 */
export async function createInstallation(
  options: CreateInstallationOptions,
): Promise<DiscoveredInstallation> {
  const { db, tenantId, actor } = options;
  const input = parseInput(ZCreateInstallationRequest, options.input);
  await requireVerifiedEmail(db, actor, 'installing servers');
  if (input.scope === 'org') requireAdmin(actor, 'install servers for the organization');
  if (input.scope === 'team')
    await requireTeamMaintainer(db, tenantId, actor, input.teamId!, 'install servers for the team');
  if (input.scope === 'personal' && !actor.userId)
    throw new AppError('INVALID', 'A personal installation belongs to a user; this caller acts for no user', {
      fields: [{ path: 'scope', message: 'use org or team with a token that acts for no user' }],
    });

  const entry = await findUsableEntry(db, tenantId, input.registryEntryId);
  requireStdioAllowed(entry.transport, options.allowStdio);
  if (entry.authKind === 'id_jag') await requireFeature(db, tenantId, options.plans, 'idJag');
  if (input.teamId) await requireTeams(db, tenantId, [input.teamId]);

  const fields = new Map(entry.installFields.map((f) => [f.key, f]));
  const issues: FieldIssue[] = [];
  for (const key of Object.keys(input.values)) {
    if (!fields.has(key))
      issues.push({ path: `values.${key}`, message: `"${entry.slug}" has no field "${key}"` });
  }
  for (const field of entry.installFields) {
    if (field.required && !input.values[field.key])
      issues.push({ path: `values.${field.key}`, message: `${field.label} is required` });
  }
  if (issues.length > 0) throw new AppError('INVALID', describeIssues(issues), { fields: issues });

  const config: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.values)) {
    if (fields.get(key)?.secret) secrets[key] = value;
    else config[key] = value;
  }
  // Refused before anything is stored, as sealing without keys is: discovery could not sign.
  if (entry.authKind === 'jwt') requireForwardedJwtSigning(entry, options);
  const id = randomUUID();
  let credentialsSealed: string | null = null;
  if (Object.keys(secrets).length > 0) {
    if (!options.secretKeys) throw new AppError('UNAVAILABLE', 'This server has no secret keys configured');
    credentialsSealed = seal(options.secretKeys, JSON.stringify(secrets), credentialsAad(id));
  }

  const name = input.name ?? entry.name;
  await db.transaction(async (tx) => {
    await requirePlanRoom(tx, tenantId, options.plans, 'installations');
    await tx
      .insert(installations)
      .values({
        id,
        tenantId,
        registryEntryId: entry.id,
        name,
        scope: input.scope,
        teamId: input.scope === 'team' ? input.teamId! : null,
        userId: input.scope === 'personal' ? actor.userId : null,
        config,
        credentialsSealed,
        status: 'pending',
        createdBy: actor.userId,
      })
      .catch((err: unknown) => {
        if (isUniqueViolation(err)) throw installationNameTaken(entry.name, name);
        throw err;
      });
  });

  return discoverInstallation({ ...options, installationId: id });
}
