import { openString } from '@toolgate/core/crypto';
import { installationRequests, installations } from '@toolgate/db/schema';
import { seedRegistryEntry, seedTeam } from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actingAs,
  createTwoTenantEnv,
  failureOf,
  type ApiTestEnv,
  type SeededOrg,
} from '../testing/api-test-env.ts';
import { approveInstallationRequest } from './approve-installation-request.ts';
import { cancelInstallationRequest } from './cancel-installation-request.ts';
import { createInstallation } from './create-installation.ts';
import { createRegistryEntry } from './create-registry-entry.ts';
import { listInstallationRequests } from './list-installation-requests.ts';
import { listInstallationTools } from './list-installation-tools.ts';
import { rejectInstallationRequest } from './reject-installation-request.ts';
import { requestInstallation } from './request-installation.ts';

let env: ApiTestEnv;
let everything: RunningEverythingServer;
let a: SeededOrg;
let b: SeededOrg;

beforeAll(async () => {
  [{ env, a, b }, everything] = await Promise.all([
    createTwoTenantEnv(),
    startEverythingServer('streamableHttp'),
  ]);
});
afterAll(async () => {
  await env?.close();
  await everything?.close();
});

type Who = keyof SeededOrg['actors'];
const base = (org: SeededOrg, who: Who = 'admin') => actingAs(env, org, who);
const upstream = (org: SeededOrg, who: Who = 'admin') => ({ ...base(org, who), allowPrivate: true });

/** A fresh entry of tenant A (so tests do not share pending requests) pointing at server-everything. */
async function newEntry(org = a) {
  return createRegistryEntry({
    ...base(org),
    input: {
      slug: `everything-${crypto.randomUUID().slice(0, 8)}`,
      name: 'Everything',
      transport: 'streamable_http',
      url: everything.url,
      installFields: [
        { key: 'apiKey', label: 'API key', secret: true, target: { kind: 'header', name: 'X-Api-Key' } },
        { key: 'region', label: 'Region', required: true, target: { kind: 'header', name: 'X-Region' } },
      ],
    },
  });
}

describe('request → approve', () => {
  it('creates a working org installation with the credentials the admin enters, and links it', async () => {
    const entry = await newEntry();
    const requested = await requestInstallation({
      ...base(a, 'member'),
      input: { registryEntryId: entry.id, scope: 'org', reason: 'We need it for support' },
    });
    expect(requested).toMatchObject({
      registryEntryId: entry.id,
      entry: { name: 'Everything', slug: entry.slug },
      scope: 'org',
      teamId: null,
      reason: 'We need it for support',
      status: 'pending',
      requestedBy: { id: a.member.id, email: a.member.email },
      decidedBy: null,
      installationId: null,
    });

    // Members see their own requests only; admins see everyone's.
    const ids = async (who: Who) => (await listInstallationRequests(base(a, who))).map((r) => r.id);
    expect(await ids('member')).toContain(requested.id);
    expect(await ids('otherMember')).not.toContain(requested.id);
    expect(await ids('admin')).toContain(requested.id);
    expect(
      (await listInstallationRequests({ ...base(a), query: { status: 'approved' } })).map((r) => r.id),
    ).not.toContain(requested.id);

    const approved = await approveInstallationRequest({
      ...upstream(a),
      requestId: requested.id,
      input: { values: { apiKey: 'sk-approved-secret', region: 'eu' } },
    });
    expect(approved.request).toMatchObject({
      id: requested.id,
      status: 'approved',
      decidedBy: { id: a.admin.id },
      installationId: approved.installation.installation.id,
    });
    expect(approved.request.decidedAt).not.toBeNull();
    expect(approved.installation.installation).toMatchObject({
      registryEntryId: entry.id,
      scope: 'org',
      teamId: null,
      userId: null,
      status: 'ready',
      hasCredentials: true,
      config: { region: 'eu' },
    });
    expect(approved.installation.tools.map((t) => t.name)).toContain('echo');
    expect(JSON.stringify(approved)).not.toContain('sk-approved-secret');

    const [row] = await env.db.db
      .select()
      .from(installations)
      .where(eq(installations.id, approved.installation.installation.id));
    expect(openString(env.secretKeys, row!.credentialsSealed!, `installation:${row!.id}`)).toBe(
      JSON.stringify({ apiKey: 'sk-approved-secret' }),
    );
    // The member who asked can use what was installed.
    await expect(
      listInstallationTools({ ...base(a, 'member'), installationId: row!.id }),
    ).resolves.not.toHaveLength(0);

    // Decided once: no second approval, no rejection, no cancellation.
    for (const again of [
      () => approveInstallationRequest({ ...upstream(a), requestId: requested.id, input: {} }),
      () => rejectInstallationRequest({ ...base(a), requestId: requested.id, input: {} }),
      () => cancelInstallationRequest({ ...base(a, 'member'), requestId: requested.id }),
    ]) {
      const err = await failureOf(again);
      expect(err.code).toBe('CONFLICT');
      expect(err.message).toBe('This request is already approved');
    }
  });

  it('installs for the team the member asked for', async () => {
    const entry = await newEntry();
    const team = await seedTeam(env.db.db, a.tenant.id, [a.member.id]);
    const requested = await requestInstallation({
      ...base(a, 'member'),
      input: { registryEntryId: entry.id, scope: 'team', teamId: team.id },
    });
    expect(requested).toMatchObject({ scope: 'team', teamId: team.id, teamName: team.name, reason: '' });
    const approved = await approveInstallationRequest({
      ...upstream(a, 'owner'),
      requestId: requested.id,
      input: { name: 'Everything for the team', values: { region: 'us' } },
    });
    expect(approved.installation.installation).toMatchObject({
      scope: 'team',
      teamId: team.id,
      name: 'Everything for the team',
      status: 'ready',
    });
  });

  it('keeps the request pending when the entered values are invalid, creating nothing', async () => {
    const entry = await newEntry();
    const requested = await requestInstallation({
      ...base(a, 'member'),
      input: { registryEntryId: entry.id, scope: 'org' },
    });
    const err = await failureOf(() =>
      approveInstallationRequest({ ...upstream(a), requestId: requested.id, input: { values: {} } }),
    );
    expect(err.code).toBe('INVALID');
    expect(err.details!.fields).toEqual([{ path: 'values.region', message: 'Region is required' }]);
    const [row] = await env.db.db
      .select()
      .from(installationRequests)
      .where(eq(installationRequests.id, requested.id));
    expect(row).toMatchObject({ status: 'pending', installationId: null });
    expect(
      await env.db.db.select().from(installations).where(eq(installations.registryEntryId, entry.id)),
    ).toEqual([]);
  });
});

describe('reject and cancel', () => {
  it('lets an admin reject with a note the requester reads', async () => {
    const entry = await newEntry();
    const requested = await requestInstallation({
      ...base(a, 'member'),
      input: { registryEntryId: entry.id, scope: 'org' },
    });
    const rejected = await rejectInstallationRequest({
      ...base(a),
      requestId: requested.id,
      input: { note: '  We already have a vendor for this  ' },
    });
    expect(rejected).toMatchObject({
      status: 'rejected',
      decisionNote: 'We already have a vendor for this',
      decidedBy: { id: a.admin.id },
      installationId: null,
    });
    const [mine] = (await listInstallationRequests(base(a, 'member'))).filter((r) => r.id === requested.id);
    expect(mine).toMatchObject({ status: 'rejected', decisionNote: 'We already have a vendor for this' });
    const approveAfter = await failureOf(() =>
      approveInstallationRequest({
        ...upstream(a),
        requestId: requested.id,
        input: { values: { region: 'x' } },
      }),
    );
    expect(approveAfter.code).toBe('CONFLICT');
  });

  it('lets the requester cancel; nobody else may', async () => {
    const entry = await newEntry();
    const requested = await requestInstallation({
      ...base(a, 'member'),
      input: { registryEntryId: entry.id, scope: 'org' },
    });
    expect(
      (
        await failureOf(() =>
          cancelInstallationRequest({ ...base(a, 'otherMember'), requestId: requested.id }),
        )
      ).code,
    ).toBe('NOT_FOUND');
    expect(
      (await failureOf(() => cancelInstallationRequest({ ...base(a, 'admin'), requestId: requested.id })))
        .code,
    ).toBe('FORBIDDEN');
    const cancelled = await cancelInstallationRequest({ ...base(a, 'member'), requestId: requested.id });
    expect(cancelled).toMatchObject({ status: 'cancelled', decidedBy: null });
    expect(
      (await failureOf(() => cancelInstallationRequest({ ...base(a, 'member'), requestId: requested.id })))
        .code,
    ).toBe('CONFLICT');
    // Once the first is no longer pending, asking again is fine.
    await expect(
      requestInstallation({ ...base(a, 'member'), input: { registryEntryId: entry.id, scope: 'org' } }),
    ).resolves.toMatchObject({ status: 'pending' });
  });
});

describe('rules', () => {
  it('refuses a pending duplicate by the same person for the same entry and scope, even when raced', async () => {
    const entry = await newEntry();
    const team = await seedTeam(env.db.db, a.tenant.id, [a.member.id]);
    const ask = (who: Who, scope: 'org' | 'team') =>
      requestInstallation({
        ...base(a, who),
        input: { registryEntryId: entry.id, scope, ...(scope === 'team' ? { teamId: team.id } : {}) },
      });
    const raced = await Promise.allSettled([
      ask('member', 'org'),
      ask('member', 'org'),
      ask('member', 'org'),
    ]);
    expect(raced.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of raced.filter((r) => r.status === 'rejected')) {
      expect((r.reason as { code?: string }).code).toBe('CONFLICT');
    }
    const again = await failureOf(() => ask('member', 'org'));
    expect(again.code).toBe('CONFLICT');
    expect(again.message).toBe(
      'You already asked for Everything for the organization; that request is still pending',
    );
    // Another scope, or another person, is a different request.
    await expect(ask('member', 'team')).resolves.toMatchObject({ scope: 'team' });
    await expect(ask('otherMember', 'org')).resolves.toMatchObject({ scope: 'org' });
    expect((await failureOf(() => ask('member', 'team'))).code).toBe('CONFLICT');
  });

  it('only owners and admins decide', async () => {
    const entry = await newEntry();
    const requested = await requestInstallation({
      ...base(a, 'member'),
      input: { registryEntryId: entry.id, scope: 'org' },
    });
    for (const who of ['member', 'otherMember'] as const) {
      const approve = await failureOf(() =>
        approveInstallationRequest({
          ...upstream(a, who),
          requestId: requested.id,
          input: { values: { region: 'x' } },
        }),
      );
      expect(approve.code).toBe('FORBIDDEN');
      const reject = await failureOf(() =>
        rejectInstallationRequest({ ...base(a, who), requestId: requested.id, input: { note: 'no' } }),
      );
      expect(reject.code).toBe('FORBIDDEN');
    }
    const [row] = await env.db.db
      .select()
      .from(installationRequests)
      .where(eq(installationRequests.id, requested.id));
    expect(row!.status).toBe('pending');
  });

  it('members cannot install for the org or a team themselves, only ask; personal installs need no one', async () => {
    const entry = await newEntry();
    const team = await seedTeam(env.db.db, a.tenant.id, [a.member.id]);
    for (const scope of ['org', 'team'] as const) {
      const err = await failureOf(() =>
        createInstallation({
          ...upstream(a, 'member'),
          input: {
            registryEntryId: entry.id,
            scope,
            ...(scope === 'team' ? { teamId: team.id } : {}),
            values: { region: 'x' },
          },
        }),
      );
      expect(err.code).toBe('FORBIDDEN');
    }
    await expect(
      createInstallation({
        ...upstream(a, 'member'),
        input: { registryEntryId: entry.id, scope: 'personal', values: { region: 'x' } },
      }),
    ).resolves.toMatchObject({ installation: { scope: 'personal', userId: a.member.id } });
  });

  it('validates the request: scope, team, and a person behind it', async () => {
    const entry = await newEntry();
    const invalid = async (input: Parameters<typeof requestInstallation>[0]['input']) => {
      const err = await failureOf(() => requestInstallation({ ...base(a, 'member'), input }));
      expect(err.code).toBe('INVALID');
      return (err.details!.fields as { path: string }[]).map((f) => f.path);
    };
    expect(await invalid({ registryEntryId: entry.id, scope: 'team' })).toEqual(['teamId']);
    expect(await invalid({ registryEntryId: entry.id, scope: 'personal' as 'org' })).toEqual(['scope']);
    expect(await invalid({ registryEntryId: entry.id, scope: 'org', teamId: crypto.randomUUID() })).toEqual([
      'teamId',
    ]);
    const tokenActor = await failureOf(() =>
      requestInstallation({
        ...base(a),
        actor: { userId: null, role: 'member', tokenId: crypto.randomUUID() },
        input: { registryEntryId: entry.id, scope: 'org' },
      }),
    );
    expect(tokenActor.code).toBe('INVALID');
    expect(
      (
        await failureOf(() =>
          requestInstallation({
            ...base(a, 'member'),
            input: { registryEntryId: entry.id, scope: 'team', teamId: crypto.randomUUID() },
          }),
        )
      ).code,
    ).toBe('NOT_FOUND');
  });

  it('accepts catalog entries', async () => {
    const catalog = await seedRegistryEntry(env.db.db, null, { url: everything.url });
    await expect(
      requestInstallation({ ...base(a, 'member'), input: { registryEntryId: catalog.id, scope: 'org' } }),
    ).resolves.toMatchObject({ registryEntryId: catalog.id, entry: { slug: catalog.slug } });
  });
});

describe('across tenants', () => {
  it("tenant B can neither see, decide nor cancel A's requests, nor ask for A's entries or teams", async () => {
    const entry = await newEntry();
    const teamA = await seedTeam(env.db.db, a.tenant.id, [a.member.id]);
    const requested = await requestInstallation({
      ...base(a, 'member'),
      input: { registryEntryId: entry.id, scope: 'team', teamId: teamA.id },
    });
    for (const who of ['owner', 'admin', 'member'] as const) {
      expect((await listInstallationRequests(base(b, who))).map((r) => r.id)).not.toContain(requested.id);
    }
    for (const attempt of [
      () =>
        approveInstallationRequest({
          ...upstream(b),
          requestId: requested.id,
          input: { values: { region: 'x' } },
        }),
      () => rejectInstallationRequest({ ...base(b), requestId: requested.id, input: {} }),
      () => cancelInstallationRequest({ ...base(b, 'member'), requestId: requested.id }),
      () => cancelInstallationRequest({ ...base(b, 'owner'), requestId: requested.id }),
      () => requestInstallation({ ...base(b, 'member'), input: { registryEntryId: entry.id, scope: 'org' } }),
      () => {
        const bEntry = seedRegistryEntry(env.db.db, b.tenant.id);
        return bEntry.then((e) =>
          requestInstallation({
            ...base(b, 'member'),
            input: { registryEntryId: e.id, scope: 'team', teamId: teamA.id },
          }),
        );
      },
    ]) {
      expect((await failureOf(attempt)).code).toBe('NOT_FOUND');
    }
    const [row] = await env.db.db
      .select()
      .from(installationRequests)
      .where(eq(installationRequests.id, requested.id));
    expect(row).toMatchObject({ status: 'pending', decidedBy: null });
    expect(
      await env.db.db
        .select()
        .from(installationRequests)
        .where(eq(installationRequests.tenantId, b.tenant.id)),
    ).toEqual([]);
  });
});
