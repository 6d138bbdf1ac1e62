import { registryEntries } from '@toolgate/db/schema';
import { randomSlug, seedAssignments, seedGateway, seedRegistryEntry } from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
import { eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import catalogFile from '../catalog/catalog.json' with { type: 'json' };
import {
  actingAs,
  createTwoTenantEnv,
  failureOf,
  recordInvalidations,
  type ApiTestEnv,
  type SeededOrg,
} from '../testing/api-test-env.ts';
import { createRegistryEntry } from './create-registry-entry.ts';
import { listRegistryEntries } from './list-registry-entries.ts';
import { seedCatalog } from './seed-catalog.ts';

let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
});
afterAll(async () => {
  await env?.close();
});

const opts = (org: SeededOrg, who: keyof SeededOrg['actors'] = 'admin') => ({
  ...actingAs(env, org, who),
  // This deployment runs local servers (see stdio-switch.int.test.ts for one that refuses them).
  allowStdio: true,
});

describe('the built-in catalog', () => {
  it('is seeded from the data file, idempotently', async () => {
    const slugs = catalogFile.map((e) => e.slug);
    const first = await seedCatalog({ db: env.db.db });
    expect(first.inserted.sort()).toEqual([...slugs].sort());
    const second = await seedCatalog({ db: env.db.db });
    expect(second).toEqual({ inserted: [], updated: [], unchanged: slugs });
    // Two processes starting at once must not duplicate rows, nor both claim the insert.
    const fresh = { slug: randomSlug('race'), name: 'Race', transport: 'stdio' as const, command: 'x' };
    const raced = await Promise.all([
      seedCatalog({ db: env.db.db, entries: [fresh] }),
      seedCatalog({ db: env.db.db, entries: [fresh] }),
    ]);
    expect(raced.flatMap((r) => r.inserted)).toEqual([fresh.slug]);
    expect(
      await env.db.db.select().from(registryEntries).where(eq(registryEntries.slug, fresh.slug)),
    ).toHaveLength(1);
    const rows = await env.db.db.select().from(registryEntries).where(isNull(registryEntries.tenantId));
    expect(rows.map((r) => r.slug).sort()).toEqual([...slugs, fresh.slug].sort());

    const remote = rows.find((r) => r.slug === 'deepwiki')!;
    expect(remote).toMatchObject({
      transport: 'streamable_http',
      url: 'https://mcp.deepwiki.com/mcp',
      command: null,
    });
    const local = rows.find((r) => r.slug === 'memory')!;
    expect(local).toMatchObject({ transport: 'stdio', command: 'npx', url: null });
    expect(local.args).toContain('@modelcontextprotocol/server-memory');
  });

  it("updates changed entries and invalidates every tenant's gateways that use them", async () => {
    const slug = randomSlug('cat');
    const entry = {
      slug,
      name: 'Catalog test',
      transport: 'streamable_http' as const,
      url: 'https://example.com/mcp',
    };
    await seedCatalog({ db: env.db.db, entries: [entry] });
    const [row] = await env.db.db.select().from(registryEntries).where(eq(registryEntries.slug, slug));
    const gwA = await seedGateway(env.db.db, a.tenant.id);
    const gwB = await seedGateway(env.db.db, b.tenant.id);
    await seedAssignments(env.db.db, a.tenant.id, gwA.id, [{ registryEntryId: row!.id, toolName: 'x' }]);
    await seedAssignments(env.db.db, b.tenant.id, gwB.id, [{ registryEntryId: row!.id, toolName: 'x' }]);

    const replica = await recordInvalidations(env.newBus());
    try {
      const result = await seedCatalog({
        db: env.db.db,
        bus: env.bus,
        entries: [{ ...entry, url: 'https://example.com/v2/mcp' }],
      });
      expect(result.updated).toEqual([slug]);
      await eventually(() => {
        expect(replica.messages).toContainEqual({
          kind: 'gateway',
          tenantId: a.tenant.id,
          gatewayId: gwA.id,
          reason: 'catalog entry changed',
        });
        expect(replica.messages).toContainEqual({
          kind: 'gateway',
          tenantId: b.tenant.id,
          gatewayId: gwB.id,
          reason: 'catalog entry changed',
        });
      });
    } finally {
      await replica.stop();
    }
  });
});

describe('registry entries', () => {
  it("lists the tenant's entries and the catalog, never another tenant's", async () => {
    await seedCatalog({ db: env.db.db });
    const mine = await seedRegistryEntry(env.db.db, a.tenant.id);
    const theirs = await seedRegistryEntry(env.db.db, b.tenant.id);
    const listed = await listRegistryEntries(opts(a, 'member'));
    const ids = listed.map((e) => e.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.id);
    expect(listed.find((e) => e.slug === 'deepwiki')).toMatchObject({ builtIn: true });
    expect(listed.find((e) => e.id === mine.id)).toMatchObject({ builtIn: false });
  });

  it('creates remote and local entries', async () => {
    const remote = await createRegistryEntry({
      ...opts(a),
      input: {
        slug: 'remote-one',
        name: 'Remote',
        transport: 'sse',
        url: 'https://mcp.example.com/sse',
        authKind: 'header',
        authConfig: { headerName: 'X-Api-Key' },
        installFields: [{ key: 'token', label: 'Token', secret: true, required: true }],
      },
    });
    expect(remote).toMatchObject({
      builtIn: false,
      transport: 'sse',
      command: null,
      args: [],
      authKind: 'header',
    });
    const local = await createRegistryEntry({
      ...opts(a),
      input: {
        slug: 'local-one',
        name: 'Local',
        transport: 'stdio',
        command: 'npx',
        args: ['-y', 'some-server'],
        installFields: [{ key: 'root', label: 'Root', target: { kind: 'arg', name: '--root' } }],
      },
    });
    expect(local).toMatchObject({ transport: 'stdio', url: null, command: 'npx' });
    expect(local.installFields).toEqual([
      { key: 'root', label: 'Root', required: false, secret: false, target: { kind: 'arg', name: '--root' } },
    ]);
    // Same slug in another tenant: separate namespaces.
    await expect(
      createRegistryEntry({
        ...opts(b),
        input: { slug: 'local-one', name: 'B', transport: 'stdio', command: 'x' },
      }),
    ).resolves.toMatchObject({ slug: 'local-one' });
    const dup = await failureOf(() =>
      createRegistryEntry({
        ...opts(a),
        input: { slug: 'local-one', name: 'again', transport: 'stdio', command: 'x' },
      }),
    );
    expect(dup.code).toBe('CONFLICT');
  });

  it('validates transports, URLs and install fields, naming the fields', async () => {
    const fieldsOf = async (input: Parameters<typeof createRegistryEntry>[0]['input']) => {
      const err = await failureOf(() => createRegistryEntry({ ...opts(a), input }));
      expect(err.code).toBe('INVALID');
      return (err.details!.fields as { path: string; message: string }[]).map((f) => f.path);
    };
    expect(await fieldsOf({ slug: 'no-cmd', name: 'x', transport: 'stdio' })).toEqual(['command']);
    expect(await fieldsOf({ slug: 'no-url', name: 'x', transport: 'streamable_http' })).toEqual(['url']);
    expect(await fieldsOf({ slug: 'ftp', name: 'x', transport: 'sse', url: 'ftp://example.com/x' })).toEqual([
      'url',
    ]);
    expect(
      await fieldsOf({ slug: 'creds', name: 'x', transport: 'sse', url: 'https://user:pw@example.com/x' }),
    ).toEqual(['url']);
    expect(
      await fieldsOf({
        slug: 'fields',
        name: 'x',
        transport: 'stdio',
        command: 'x',
        installFields: [
          { key: 'a', label: 'A', target: { kind: 'header', name: 'X-A' } },
          { key: 'a', label: 'A again' },
          { key: 'bad key', label: 'B' },
          { key: 'c', label: 'C', target: { kind: 'env', name: '1BAD' } },
        ],
      }),
    ).toEqual(
      expect.arrayContaining([
        'installFields.0.target.name',
        'installFields.1.key',
        'installFields.2.key',
        'installFields.3.target.name',
      ]),
    );
    expect(
      await fieldsOf({
        slug: 'auth',
        name: 'x',
        transport: 'sse',
        url: 'https://example.com/x',
        authKind: 'header',
      }),
    ).toEqual(['installFields']);
    expect(await fieldsOf({ slug: 'Bad Slug', name: 'x', transport: 'stdio', command: 'x' })).toEqual([
      'slug',
    ]);
  });

  it('is for owners and admins only', async () => {
    const err = await failureOf(() =>
      createRegistryEntry({
        ...opts(a, 'member'),
        input: { slug: 'by-member', name: 'x', transport: 'stdio', command: 'x' },
      }),
    );
    expect(err.code).toBe('FORBIDDEN');
  });
});
