import { generateKeySpec, parseKeyRing, seal } from '@toolgate/core/crypto';
import type { registryEntries } from '@toolgate/db/schema';
import { describe, expect, it } from 'vitest';
import { credentialsAad, discoveryTarget } from './discovery-target.ts';

type Entry = typeof registryEntries.$inferSelect;

const baseEntry: Entry = {
  id: 'e1',
  tenantId: 't1',
  slug: 'srv',
  name: 'Server',
  description: '',
  transport: 'streamable_http',
  url: 'https://mcp.example.com/mcp',
  command: null,
  args: [],
  env: {},
  authKind: 'none',
  authConfig: {},
  installFields: [],
  toolLabels: {},
  docsUrl: null,
  iconUrl: null,
  version: null,
  package: null,
  bin: null,
  network: 'none',
  createdAt: new Date(),
  updatedAt: new Date(),
};

describe('discoveryTarget', () => {
  const ring = parseKeyRing(generateKeySpec('k1'));

  it('puts header fields and the header credential where the proxy puts them', () => {
    const entry: Entry = {
      ...baseEntry,
      authKind: 'header',
      authConfig: { headerName: 'Authorization', valuePrefix: 'Token ' },
      installFields: [
        { key: 'token', label: 'Token', required: true, secret: true },
        {
          key: 'org',
          label: 'Org',
          required: false,
          secret: false,
          target: { kind: 'header', name: 'X-Org' },
        },
      ],
    };
    const target = discoveryTarget(
      entry,
      {
        id: 'i1',
        tenantId: 't1',
        config: { org: 'acme' },
        credentialsSealed: seal(ring, JSON.stringify({ token: 's3cret' }), credentialsAad('i1')),
      },
      ring,
    );
    expect(target).toEqual({
      key: 'discovery:i1',
      label: 'srv',
      transport: 'streamable_http',
      url: 'https://mcp.example.com/mcp',
      headers: { authorization: 'Token s3cret', 'x-org': 'acme' },
    });
  });

  it('builds env and args for stdio servers', () => {
    const entry: Entry = {
      ...baseEntry,
      transport: 'stdio',
      url: null,
      command: 'npx',
      args: ['-y', 'server'],
      env: { MODE: 'x' },
      installFields: [
        { key: 'root', label: 'Root', required: true, secret: false, target: { kind: 'arg', name: '' } },
        {
          key: 'flag',
          label: 'Flag',
          required: false,
          secret: false,
          target: { kind: 'arg', name: '--level' },
        },
        {
          key: 'key',
          label: 'Key',
          required: false,
          secret: true,
          target: { kind: 'env', name: 'API_KEY', prefix: 'k-' },
        },
      ],
    };
    const target = discoveryTarget(
      entry,
      {
        id: 'i2',
        tenantId: 't1',
        config: { root: '/data', flag: '3' },
        credentialsSealed: seal(ring, JSON.stringify({ key: 'abc' }), credentialsAad('i2')),
      },
      ring,
    );
    expect(target).toMatchObject({
      transport: 'stdio',
      command: 'npx',
      args: ['-y', 'server', '/data', '--level', '3'],
      env: { MODE: 'x', API_KEY: 'k-abc' },
      // Runners host it when the deployment has them: they read the installation themselves.
      runner: { tenantId: 't1', installationId: 'i2' },
    });
  });

  it('refuses sealed credentials of another installation, and needs keys to open them', () => {
    const sealed = seal(ring, JSON.stringify({ token: 'x' }), credentialsAad('other'));
    expect(() =>
      discoveryTarget(baseEntry, { id: 'i3', tenantId: 't1', config: {}, credentialsSealed: sealed }, ring),
    ).toThrow(/could not be opened \(sealed value failed authentication\)/);
    expect(() =>
      discoveryTarget(
        baseEntry,
        { id: 'i3', tenantId: 't1', config: {}, credentialsSealed: sealed },
        undefined,
      ),
    ).toThrow(/no secret keys/);
  });
});
