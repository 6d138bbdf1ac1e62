import { prompts } from '@toolgate/db/schema';
import { startConformanceFixture } from '@toolgate/fixtures/conformance-server';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actingAs,
  createTwoTenantEnv,
  failureOf,
  type ApiTestEnv,
  type SeededOrg,
} from '../testing/api-test-env.ts';
import { startPagedToolsServer } from '../testing/paged-tools-server.ts';
import { createInstallation } from './create-installation.ts';
import { createRegistryEntry } from './create-registry-entry.ts';
import { discoverInstallation } from './discover-installation.ts';
import { listInstallations } from './list-installations.ts';

let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;
/** The MCP conformance server: tools, and four prompts (two with arguments). */
let conformance: Awaited<ReturnType<typeof startConformanceFixture>>;

beforeAll(async () => {
  [{ env, a, b }, conformance] = await Promise.all([createTwoTenantEnv(), startConformanceFixture()]);
});
afterAll(async () => {
  await env?.close();
  await conformance?.close();
});

const opts = (org: SeededOrg, who: keyof SeededOrg['actors'] = 'admin') => ({
  ...actingAs(env, org, who),
  allowPrivate: true,
});

async function install(org: SeededOrg, url: string) {
  const entry = await createRegistryEntry({
    ...actingAs(env, org),
    input: {
      slug: `s-${crypto.randomUUID().slice(0, 8)}`,
      name: 'Prompted',
      transport: 'streamable_http',
      url,
    },
  });
  return createInstallation({ ...opts(org), input: { registryEntryId: entry.id, scope: 'org', values: {} } });
}

describe('prompt discovery', () => {
  it('records the prompts a server declares, with their arguments, and lists them with the installation', async () => {
    const result = await install(a, conformance.url);
    expect(result.installation.status).toBe('ready');
    expect(result.prompts.map((p) => p.name)).toEqual([
      'test_prompt_with_arguments',
      'test_prompt_with_embedded_resource',
      'test_prompt_with_image',
      'test_simple_prompt',
    ]);
    const withArgs = result.prompts.find((p) => p.name === 'test_prompt_with_arguments')!;
    expect(withArgs).toMatchObject({
      installationId: result.installation.id,
      description: 'A prompt with two required arguments, both completable.',
    });
    expect(withArgs.arguments.map((arg) => [arg.name, arg.required])).toEqual([
      ['arg1', true],
      ['arg2', true],
    ]);

    // A member sees the org installation and its prompts; the other tenant sees neither.
    const listed = await listInstallations(actingAs(env, a, 'member'));
    const mine = listed.find((i) => i.installation.id === result.installation.id);
    expect(mine?.prompts.map((p) => p.name)).toHaveLength(4);
    const foreign = await listInstallations(actingAs(env, b));
    expect(foreign.some((i) => i.installation.id === result.installation.id)).toBe(false);
  });

  it('drops prompts the server no longer lists when discovery runs again; members may not run it', async () => {
    const { installation } = await install(a, conformance.url);
    await env.db.db.insert(prompts).values({
      tenantId: a.tenant.id,
      installationId: installation.id,
      name: 'retired_prompt',
      description: 'gone upstream',
    });
    const again = await discoverInstallation({ ...opts(a), installationId: installation.id });
    expect(again.prompts.map((p) => p.name)).not.toContain('retired_prompt');
    expect(again.prompts).toHaveLength(4);

    const refused = await failureOf(() =>
      discoverInstallation({ ...opts(a, 'member'), installationId: installation.id }),
    );
    expect(refused.code).toBe('FORBIDDEN');
    const crossTenant = await failureOf(() =>
      discoverInstallation({ ...opts(b), installationId: installation.id }),
    );
    expect(crossTenant.code).toBe('NOT_FOUND');
  });

  it('records no prompts for a server without the prompts capability', async () => {
    const paged = await startPagedToolsServer(['only_tool'], 10);
    try {
      const { installation, prompts: found } = await install(a, paged.url);
      expect(installation.status).toBe('ready');
      expect(found).toEqual([]);
      const rows = await env.db.db
        .select()
        .from(prompts)
        .where(and(eq(prompts.tenantId, a.tenant.id), eq(prompts.installationId, installation.id)));
      expect(rows).toEqual([]);
    } finally {
      await paged.close();
    }
  });
});
