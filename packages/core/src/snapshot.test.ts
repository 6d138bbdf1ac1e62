import { describe, expect, it } from 'vitest';
import { AppError } from './errors.ts';
import { compileGatewaySnapshot, type SnapshotInput, type SnapshotUpstream } from './snapshot.ts';

const upstream = (entryId: string, slug: string): SnapshotUpstream => ({
  entryId,
  slug,
  name: slug,
  transport: 'streamable_http',
  url: `https://${slug}.example/mcp`,
  command: null,
  args: [],
  env: {},
  authKind: 'none',
  authConfig: {},
  installFields: [],
});
const installation = (id: string, entryId: string, scope: 'org' | 'team' | 'personal' = 'org') => ({
  id,
  entryId,
  name: id,
  scope,
  teamId: scope === 'team' ? 'team-1' : null,
  userId: scope === 'personal' ? 'user-1' : null,
  config: {},
  credentialsSealed: null,
  enabled: true,
});
const tool = (installationId: string, name: string, description = `${name} tool`) => ({
  installationId,
  name,
  title: null,
  description,
  inputSchema: { type: 'object' },
  outputSchema: null,
  annotations: null,
  enabled: true,
});
const assignment = (
  entryId: string,
  toolName: string,
  extra: Partial<SnapshotInput['assignments'][number]> = {},
) => ({
  entryId,
  toolName,
  installationId: null,
  alias: null,
  descriptionOverride: null,
  ...extra,
});

function input(overrides: Partial<SnapshotInput> = {}): SnapshotInput {
  return {
    tenant: { id: 't', slug: 'acme' },
    gateway: {
      id: 'g',
      slug: 'dev',
      name: 'Dev',
      description: '',
      visibility: 'org',
      teamIds: [],
      clientAuthMethods: ['api_token'],
      headerAllowlist: ['X-Trace'],
      toolExposure: 'full',
    },
    upstreams: [upstream('e1', 'github'), upstream('e2', 'linear')],
    installations: [installation('i1', 'e1'), installation('i2', 'e2')],
    tools: [tool('i1', 'search'), tool('i2', 'search'), tool('i2', 'create_issue')],
    assignments: [assignment('e1', 'search'), assignment('e2', 'search')],
    ...overrides,
  };
}

describe('compileGatewaySnapshot', () => {
  it('names tools {server}__{tool}, keeps names stable when a server is added, and versions by content', () => {
    const one = compileGatewaySnapshot(input());
    expect(one.tools.map((t) => t.name)).toEqual(['github__search', 'linear__search']);
    expect(one.gateway.headerAllowlist).toEqual(['x-trace']);

    const more = compileGatewaySnapshot(
      input({ assignments: [...input().assignments, assignment('e2', 'create_issue')] }),
    );
    expect(more.tools.map((t) => t.name)).toEqual([
      'github__search',
      'linear__create_issue',
      'linear__search',
    ]);
    expect(more.version).not.toBe(one.version);
    expect(compileGatewaySnapshot(input()).version).toBe(one.version);
  });

  it('uses aliases and description overrides', () => {
    const s = compileGatewaySnapshot(
      input({
        assignments: [assignment('e1', 'search', { alias: 'find', descriptionOverride: 'Find code' })],
      }),
    );
    expect(s.tools).toEqual([
      expect.objectContaining({ name: 'find', upstreamName: 'search', description: 'Find code' }),
    ]);
    expect(Object.keys(s.upstreams)).toEqual(['e1']);
  });

  it('refuses two tools with one name, naming both', () => {
    let error: unknown;
    try {
      compileGatewaySnapshot(
        input({
          assignments: [
            assignment('e1', 'search', { alias: 'search' }),
            assignment('e2', 'search', { alias: 'search' }),
          ],
        }),
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('CONFLICT');
    expect((error as AppError).message).toContain('github/search');
    expect((error as AppError).message).toContain('linear/search');
  });

  it('refuses names MCP clients cannot call', () => {
    expect(() =>
      compileGatewaySnapshot(input({ assignments: [assignment('e1', 'search', { alias: 'has space' })] })),
    ).toThrow(/not a valid MCP tool name/);
  });

  it('drops tools of disabled installations and disabled tools; prefers the org definition when resolving', () => {
    const s = compileGatewaySnapshot(
      input({
        installations: [
          installation('p1', 'e1', 'personal'),
          installation('o1', 'e1', 'org'),
          { ...installation('i2', 'e2'), enabled: false },
        ],
        tools: [
          tool('p1', 'search', 'personal copy'),
          tool('o1', 'search', 'org copy'),
          tool('i2', 'search'),
        ],
      }),
    );
    expect(s.tools.map((t) => [t.name, t.description])).toEqual([['github__search', 'org copy']]);
    expect(s.installations.map((i) => i.id)).toEqual(['o1', 'p1']);

    const pinnedToDisabled = compileGatewaySnapshot(
      input({
        installations: [{ ...installation('i1', 'e1'), enabled: false }, installation('i2', 'e2')],
        assignments: [assignment('e1', 'search', { installationId: 'i1' })],
      }),
    );
    expect(pinnedToDisabled.tools).toEqual([]);
  });

  it('names the tools turned off on each installation, so a caller resolved to it is refused', () => {
    const s = compileGatewaySnapshot(
      input({
        installations: [installation('o1', 'e1', 'org'), installation('p1', 'e1', 'personal')],
        tools: [{ ...tool('o1', 'search'), enabled: false }, tool('p1', 'search')],
      }),
    );
    // Listed thanks to the personal installation; the org one must not run it.
    expect(s.tools.map((t) => [t.name, t.installationId])).toEqual([['github__search', null]]);
    expect(s.installations.map((i) => [i.id, i.disabledTools])).toEqual([
      ['o1', ['search']],
      ['p1', undefined],
    ]);
    const allOn = compileGatewaySnapshot(input());
    expect(allOn.installations.every((i) => !('disabledTools' in i))).toBe(true);
  });
});

describe('prompts and resources', () => {
  it('names prompts like tools, refuses prompt collisions, and lists resource servers', () => {
    const s = compileGatewaySnapshot(
      input({
        assignments: [
          assignment('e1', 'search'),
          assignment('e1', 'summarize', { kind: 'prompt' }),
          assignment('e2', 'triage', { kind: 'prompt', alias: 'triage' }),
          assignment('e2', '*', { kind: 'resources' }),
        ],
      }),
    );
    expect(s.tools.map((t) => t.name)).toEqual(['github__search']);
    expect(s.prompts.map((p) => [p.name, p.upstreamName])).toEqual([
      ['github__summarize', 'summarize'],
      ['triage', 'triage'],
    ]);
    expect(s.resourceServers).toEqual([{ entryId: 'e2', installationId: null }]);
    expect(Object.keys(s.upstreams).sort()).toEqual(['e1', 'e2']);
    expect(() =>
      compileGatewaySnapshot(
        input({
          assignments: [
            assignment('e1', 'a', { kind: 'prompt', alias: 'p' }),
            assignment('e2', 'b', { kind: 'prompt', alias: 'p' }),
          ],
        }),
      ),
    ).toThrow(/prompt name "p" would be used by both github\/a and linear\/b/);
  });
});

describe('generated resource tools', () => {
  it('gives a resources-only server list/read tools, and none to a server with tools', () => {
    const s = compileGatewaySnapshot(
      input({
        tools: [tool('i1', 'search')],
        assignments: [
          assignment('e1', '*', { kind: 'resources' }),
          assignment('e2', '*', { kind: 'resources' }),
        ],
      }),
    );
    expect(s.tools.map((t) => [t.name, t.synthetic])).toEqual([
      ['linear__list_resources', 'list_resources'],
      ['linear__read_resource', 'read_resource'],
    ]);
  });
});
