import { randomSlug } from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actingAs,
  createTwoTenantEnv,
  failureOf,
  type ApiTestEnv,
  type SeededOrg,
} from '../testing/api-test-env.ts';
import { createRegistryEntry } from './create-registry-entry.ts';
import { updateRegistryEntry } from './update-registry-entry.ts';

let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
});
afterAll(async () => {
  await env?.close();
});

const opts = (org: SeededOrg) => ({ ...actingAs(env, org, 'admin'), allowStdio: true });

const packaged = (extra: Record<string, unknown> = {}) => ({
  slug: randomSlug('pkg'),
  name: 'Everything',
  transport: 'stdio' as const,
  package: '@modelcontextprotocol/server-everything',
  version: '2026.8.31',
  ...extra,
});

/** The field errors of a refused entry, by path. */
async function fieldErrors(fn: () => Promise<unknown>): Promise<Record<string, string>> {
  const err = await failureOf(fn);
  expect(err.code).toBe('INVALID');
  const fields = (err.details?.fields ?? []) as { path: string; message: string }[];
  return Object.fromEntries(fields.map((f) => [f.path, f.message]));
}

describe('packaged self-hosted servers in the registry', () => {
  it('registers an npm package at an exact version, with its bin and network', async () => {
    const entry = await createRegistryEntry({
      ...opts(a),
      input: packaged({ bin: 'mcp-server-everything', network: 'egress' }),
    });
    expect(entry).toMatchObject({
      transport: 'stdio',
      command: null,
      package: '@modelcontextprotocol/server-everything',
      version: '2026.8.31',
      bin: 'mcp-server-everything',
      network: 'egress',
    });
    // Network is off unless asked for.
    const plain = await createRegistryEntry({ ...opts(a), input: packaged() });
    expect(plain.network).toBe('none');
  });

  it('refuses what a runner could not run exactly', async () => {
    const create = (input: Record<string, unknown>) => () =>
      createRegistryEntry({ ...opts(a), input: packaged(input) });
    expect((await fieldErrors(create({ version: '^2026.8.0' }))).version).toMatch(/exact version/);
    expect(await fieldErrors(create({ version: 'latest' }))).toHaveProperty('version');
    expect((await fieldErrors(create({ version: undefined }))).version).toMatch(/needs the exact version/);
    expect((await fieldErrors(create({ command: 'npx' }))).command).toMatch(/runs its package's bin/);
    expect(await fieldErrors(create({ package: 'Not A Package!' }))).toHaveProperty('package');
    expect(await fieldErrors(create({ network: 'everywhere' }))).toHaveProperty('network');
    const withBin = await fieldErrors(() =>
      createRegistryEntry({
        ...opts(a),
        input: { slug: randomSlug('cmd'), name: 'Cmd', transport: 'stdio', command: 'node', bin: 'x' },
      }),
    );
    expect(withBin.bin).toMatch(/set package too/);
    const remote = await fieldErrors(() =>
      createRegistryEntry({
        ...opts(a),
        input: {
          slug: randomSlug('remote'),
          name: 'Remote',
          transport: 'streamable_http',
          url: 'https://mcp.example.com/mcp',
          package: 'some-server',
          network: 'egress',
        },
      }),
    );
    expect(remote.package).toMatch(/only self-hosted/);
    expect(remote.network).toMatch(/self-hosted/);
  });

  it('switches an entry between a command and a package, and keeps it in its tenant', async () => {
    const entry = await createRegistryEntry({
      ...opts(a),
      input: {
        slug: randomSlug('sw'),
        name: 'Switch',
        transport: 'stdio',
        command: 'node',
        args: ['server.js'],
      },
    });
    const update = (input: Record<string, unknown>, org = a) =>
      updateRegistryEntry({ ...opts(org), entryId: entry.id, input });
    const toPackage = await update({ package: 'mcp-hello', version: '1.0.0' });
    expect(toPackage).toMatchObject({ command: null, package: 'mcp-hello', version: '1.0.0' });
    const upgraded = await update({ version: '1.1.0' });
    expect(upgraded).toMatchObject({ package: 'mcp-hello', version: '1.1.0' });
    expect(await fieldErrors(() => update({ package: null }))).toHaveProperty('command');
    const back = await update({ command: 'node' });
    expect(back).toMatchObject({ command: 'node', package: null, bin: null });
    // Another tenant's admin cannot see it, let alone change it.
    expect((await failureOf(() => update({ version: '9.9.9' }, b))).code).toBe('NOT_FOUND');
  });
});
