import { compileGatewaySnapshot, type SnapshotInput } from '@toolgate/core/snapshot';
import { describe, expect, it } from 'vitest';
import { checkExposedNames, conflictingNameIn, type NamedItem } from './exposed-names.ts';

const tool = (key: string, serverSlug: string, toolName: string, extra: Partial<NamedItem> = {}) => ({
  key,
  kind: 'tool' as const,
  serverSlug,
  toolName,
  alias: null,
  live: true,
  ...extra,
});

const collisions = (items: NamedItem[]) =>
  Object.fromEntries(
    [...checkExposedNames(items)].filter(([, c]) => c.collidesWith.length > 0).map(([k, c]) => [k, c]),
  );

describe('checkExposedNames', () => {
  it('names tools {server}__{tool} or by alias, without collisions when names differ', () => {
    const result = checkExposedNames([
      tool('a', 'github', 'search'),
      tool('b', 'linear', 'search'),
      tool('c', 'linear', 'create_issue', { alias: '  new_issue ' }),
    ]);
    expect([...result.values()]).toEqual([
      { name: 'github__search', invalid: false, collidesWith: [] },
      { name: 'linear__search', invalid: false, collidesWith: [] },
      { name: 'new_issue', invalid: false, collidesWith: [] },
    ]);
  });

  it('reports two rows aliased to the same name, both ways', () => {
    expect(
      collisions([
        tool('a', 'github', 'search', { alias: 'find' }),
        tool('b', 'linear', 'search', { alias: 'find' }),
        tool('c', 'linear', 'other'),
      ]),
    ).toEqual({
      a: { name: 'find', invalid: false, collidesWith: ['b'] },
      b: { name: 'find', invalid: false, collidesWith: ['a'] },
    });
  });

  it("reports an alias equal to another tool's generated name", () => {
    expect(
      Object.keys(
        collisions([tool('a', 'github', 'search'), tool('b', 'linear', 'x', { alias: 'github__search' })]),
      ),
    ).toEqual(['a', 'b']);
  });

  it('treats an empty alias as none', () => {
    const result = checkExposedNames([tool('a', 'github', 'search', { alias: '   ' })]);
    expect(result.get('a')).toEqual({ name: 'github__search', invalid: false, collidesWith: [] });
  });

  it('ignores generated-name clashes of tools that will not be exposed, but not alias clashes', () => {
    expect(
      collisions([
        tool('a', 'github', 'search'),
        tool('b', 'other', 'x', { alias: 'github__search', live: false }),
      ]),
    ).toEqual({});
    expect(
      Object.keys(
        collisions([
          tool('a', 'github', 'search', { alias: 'same', live: false }),
          tool('b', 'linear', 'search', { alias: 'same', live: false }),
        ]),
      ),
    ).toEqual(['a', 'b']);
  });

  it('keeps tools and prompts in separate namespaces', () => {
    expect(
      collisions([
        tool('a', 'github', 'review', { alias: 'review' }),
        { ...tool('b', 'github', 'review', { alias: 'review' }), kind: 'prompt' },
      ]),
    ).toEqual({});
  });

  it('flags names MCP clients cannot call', () => {
    const result = checkExposedNames([
      tool('a', 'github', 'search', { alias: 'has space' }),
      tool('b', 'github', 'a'.repeat(130)),
      tool('c', 'github', 'not discovered yet!', { live: false }),
    ]);
    expect(result.get('a')!.invalid).toBe(true);
    expect(result.get('b')!.invalid).toBe(true);
    expect(result.get('c')!.invalid).toBe(false);
  });

  it('extracts the colliding name from the service message', () => {
    expect(
      conflictingNameIn('tool name "one__echo" would be used by both one/echo and two/search; set an alias'),
    ).toBe('one__echo');
    expect(conflictingNameIn('prompt name "p" would be used by both a/x and b/y')).toBe('p');
    expect(conflictingNameIn('Gateway not found')).toBeUndefined();
  });
});

/** The preview must agree with the compiler the proxy runs: a collision it shows is a CONFLICT. */
describe('checkExposedNames agrees with compileGatewaySnapshot', () => {
  const upstream = (entryId: string, slug: string) => ({
    entryId,
    slug,
    name: slug,
    transport: 'streamable_http' as const,
    url: `https://${slug}.example/mcp`,
    command: null,
    args: [],
    env: {},
    authKind: 'none' as const,
    authConfig: {},
    installFields: [],
  });
  const installation = (id: string, entryId: string) => ({
    id,
    entryId,
    name: id,
    scope: 'org' as const,
    teamId: null,
    userId: null,
    config: {},
    credentialsSealed: null,
    enabled: true,
  });
  const discovered = (installationId: string, name: string) => ({
    installationId,
    name,
    title: null,
    description: name,
    inputSchema: { type: 'object' },
    outputSchema: null,
    annotations: null,
    enabled: true,
  });
  const servers = { e1: 'github', e2: 'linear' } as const;

  function compile(assignments: { entryId: 'e1' | 'e2'; toolName: string; alias: string | null }[]) {
    const snapshotInput: SnapshotInput = {
      tenant: { id: 't', slug: 'acme' },
      gateway: {
        id: 'g',
        slug: 'dev',
        name: 'Dev',
        description: '',
        visibility: 'org',
        teamIds: [],
        clientAuthMethods: ['api_token'],
        headerAllowlist: [],
        toolExposure: 'full',
      },
      upstreams: [upstream('e1', 'github'), upstream('e2', 'linear')],
      installations: [installation('i1', 'e1'), installation('i2', 'e2')],
      tools: [discovered('i1', 'search'), discovered('i2', 'search')],
      assignments: assignments.map((a) => ({ ...a, installationId: null, descriptionOverride: null })),
    };
    try {
      compileGatewaySnapshot(snapshotInput);
      return 'ok';
    } catch (err) {
      return (err as { code?: string }).code;
    }
  }

  it.each([
    [
      [
        { entryId: 'e1', toolName: 'search', alias: null },
        { entryId: 'e2', toolName: 'search', alias: null },
      ],
    ],
    [
      [
        { entryId: 'e1', toolName: 'search', alias: 'x' },
        { entryId: 'e2', toolName: 'search', alias: 'x' },
      ],
    ],
    [
      [
        { entryId: 'e1', toolName: 'search', alias: null },
        { entryId: 'e2', toolName: 'search', alias: 'github__search' },
      ],
    ],
    [
      [
        { entryId: 'e1', toolName: 'search', alias: 'linear__search' },
        { entryId: 'e2', toolName: 'search', alias: null },
      ],
    ],
  ] as const)('case %#', (assignments) => {
    const preview = checkExposedNames(
      assignments.map((a, i) => tool(String(i), servers[a.entryId], a.toolName, { alias: a.alias })),
    );
    const previewSaysConflict = [...preview.values()].some((c) => c.collidesWith.length > 0);
    expect(compile([...assignments])).toBe(previewSaysConflict ? 'CONFLICT' : 'ok');
  });
});
