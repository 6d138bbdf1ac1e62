import type { Assignment } from '@toolgate/api/schemas/gateways';
import type { Installation, Prompt, Tool } from '@toolgate/api/schemas/installations';
import { describe, expect, it } from 'vitest';
import {
  describeReview,
  isLive,
  matchesSearch,
  unavailableReason,
  namedItems,
  rowKey,
  rowsFrom,
  sameAssignments,
  serverGroups,
  servesTool,
  toInput,
  type Row,
} from './assignment-model.ts';
import { checkExposedNames } from './exposed-names.ts';

const E1 = '00000000-0000-4000-8000-000000000001';
const E2 = '00000000-0000-4000-8000-000000000002';

const installation = (id: string, entryId: string, extra: Partial<Installation> = {}): Installation => ({
  id,
  registryEntryId: entryId,
  name: id,
  scope: 'org',
  teamId: null,
  userId: null,
  config: {},
  hasCredentials: false,
  status: 'ready',
  lastError: null,
  enabled: true,
  discoveredAt: null,
  checkedAt: null,
  serverInfo: null,
  serverVersionChange: null,
  pinnedVersion: null,
  packageVersion: null,
  canary: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});
const tool = (installationId: string, name: string, enabled = true) =>
  ({ installationId, name, description: `${name}!`, enabled }) as Tool;

const entries = [
  { id: E1, name: 'GitHub', slug: 'github' },
  { id: E2, name: 'Docs', slug: 'docs' },
];

const row = (entryId: string, toolName: string, extra: Partial<Row> = {}): [string, Row] => {
  const r: Row = {
    kind: 'tool',
    registryEntryId: entryId,
    toolName,
    installationId: null,
    alias: '',
    descriptionOverride: null,
    ...extra,
  };
  return [rowKey(entryId, r.kind, toolName), r];
};

describe('the tool picker model', () => {
  const installs = [
    {
      installation: installation('org-1', E1),
      tools: [tool('org-1', 'search'), tool('org-1', 'off', false)],
    },
    { installation: installation('team-1', E1, { scope: 'team' }), tools: [tool('team-1', 'team_only')] },
    { installation: installation('docs-1', E2), tools: [] },
  ];

  it('groups tools per server and knows which the compiler would expose', () => {
    const rows = new Map([
      row(E1, 'search'),
      row(E1, 'team_only', { installationId: 'org-1' }),
      row(E1, 'off'),
      row(E1, 'later'),
    ]);
    const groups = serverGroups(installs, entries, rows);
    expect(groups.map((g) => g.slug)).toEqual(['docs', 'github']);
    const github = groups.find((g) => g.slug === 'github')!;
    expect([...github.discovered.keys()]).toEqual(['search', 'off', 'team_only']);
    expect(isLive(github, rows.get(rowKey(E1, 'tool', 'search'))!)).toBe(true);
    // Pinned to an installation that did not discover it; disabled; not discovered at all.
    expect(isLive(github, rows.get(rowKey(E1, 'tool', 'team_only'))!)).toBe(false);
    expect(isLive(github, rows.get(rowKey(E1, 'tool', 'off'))!)).toBe(false);
    expect(isLive(github, rows.get(rowKey(E1, 'tool', 'later'))!)).toBe(false);
  });

  it('explains a server none of whose installations is ready and none has tools', () => {
    const down = [
      {
        installation: installation('down-1', E2, { status: 'unreachable', lastError: 'connection refused' }),
        tools: [],
      },
      ...installs.filter((i) => i.installation.registryEntryId === E1),
    ];
    const [docs, github] = serverGroups(down, entries, new Map());
    expect(unavailableReason(docs!)).toBe('connection refused');
    // Tools to pick: nothing to explain, whatever the health.
    expect(unavailableReason(github!)).toBeNull();
    const pending = serverGroups(
      [{ installation: installation('p', E2, { status: 'pending' }), tools: [] }],
      entries,
      new Map(),
    );
    expect(unavailableReason(pending[0]!)).toBe('not discovered yet');
    // Ready with no tools (resources or prompts only) is a server like any other.
    expect(unavailableReason(serverGroups(installs, entries, new Map())[0]!)).toBeNull();
  });

  it('adds generated resource tools for a server with resources but no tools', () => {
    const rows = new Map([
      row(E2, '*', { kind: 'resources' }),
      row(E1, 'search', { alias: 'docs__read_resource' }),
    ]);
    const items = namedItems(serverGroups(installs, entries, rows), rows);
    expect(items.map((i) => i.toolName).sort()).toEqual(['list_resources', 'read_resource', 'search']);
    const collisions = [...checkExposedNames(items).values()].filter((c) => c.collidesWith.length > 0);
    expect(collisions.map((c) => c.name)).toEqual(['docs__read_resource', 'docs__read_resource']);
  });

  it('round-trips assignments and saves aliases and overrides only where they apply', () => {
    const assignments: Assignment[] = [
      {
        id: 'a',
        kind: 'tool',
        registryEntryId: E1,
        toolName: 'search',
        installationId: 'org-1',
        alias: 'find',
        descriptionOverride: 'Find',
      },
      {
        id: 'b',
        kind: 'prompt',
        registryEntryId: E1,
        toolName: 'review',
        installationId: null,
        alias: null,
        descriptionOverride: null,
      },
      {
        id: 'c',
        kind: 'resources',
        registryEntryId: E2,
        toolName: '*',
        installationId: null,
        alias: null,
        descriptionOverride: null,
      },
    ];
    const rows = rowsFrom(assignments);
    expect(toInput(rows)).toEqual([
      {
        kind: 'tool',
        registryEntryId: E1,
        toolName: 'search',
        installationId: 'org-1',
        alias: 'find',
        descriptionOverride: 'Find',
      },
      {
        kind: 'prompt',
        registryEntryId: E1,
        toolName: 'review',
        installationId: null,
        alias: null,
        descriptionOverride: null,
      },
      {
        kind: 'resources',
        registryEntryId: E2,
        installationId: null,
        alias: null,
        descriptionOverride: null,
      },
    ]);
    const edited = new Map(rows);
    edited.set(rowKey(E1, 'tool', 'search'), {
      ...rows.get(rowKey(E1, 'tool', 'search'))!,
      alias: '  ',
      descriptionOverride: ' ',
    });
    expect(toInput(edited)[0]).toMatchObject({ alias: null, descriptionOverride: null });
    expect(sameAssignments(rows, rowsFrom([...assignments].reverse()))).toBe(true);
    expect(sameAssignments(rows, edited)).toBe(false);
  });
});

describe('the picker’s prompts and search', () => {
  it('offers the prompts discovered on any installation of a server, first description kept', () => {
    const prompt = (installationId: string, name: string, description: string) =>
      ({ installationId, name, description, arguments: [{ name: 'topic', required: true }] }) as Prompt;
    const groups = serverGroups(
      [
        { installation: installation('i1', E1), tools: [], prompts: [prompt('i1', 'review', 'Review a PR')] },
        {
          installation: installation('i2', E1),
          tools: [],
          prompts: [prompt('i2', 'review', 'other words'), prompt('i2', 'triage', 'Triage issues')],
        },
        { installation: installation('i3', E2), tools: [] },
      ],
      entries,
      new Map(),
    );
    const github = groups.find((g) => g.id === E1)!;
    expect([...github.prompts.keys()]).toEqual(['review', 'triage']);
    expect(github.prompts.get('review')).toEqual({
      description: 'Review a PR',
      arguments: [{ name: 'topic', required: true }],
    });
    expect(groups.find((g) => g.id === E2)!.prompts.size).toBe(0);
  });

  it('matches a search against names and descriptions, ignoring case and blank queries', () => {
    expect(matchesSearch('', 'create_issue', undefined)).toBe(true);
    expect(matchesSearch('  ', 'create_issue', 'x')).toBe(true);
    expect(matchesSearch('ISSUE', 'create_issue', undefined)).toBe(true);
    expect(matchesSearch('pull request', 'merge', 'Merge a pull request')).toBe(true);
    expect(matchesSearch('deploy', 'merge', 'Merge a pull request')).toBe(false);
  });
});

describe('the picker and definition pinning', () => {
  const reviewed = (installationId: string, name: string, review: Tool['review']) =>
    ({ installationId, name, description: `${name}!`, enabled: true, review }) as Tool;
  const installs = [
    {
      installation: installation('org-1', E1),
      tools: [
        reviewed('org-1', 'search', null),
        reviewed('org-1', 'send', { kind: 'new', status: 'pending' }),
        reviewed('org-1', 'drop', { kind: 'new', status: 'rejected' }),
        reviewed('org-1', 'fetch', { kind: 'changed', status: 'pending' }),
        reviewed('org-1', 'list', { kind: 'changed', status: 'rejected' }),
      ],
    },
  ];
  const rows = new Map(['search', 'send', 'drop', 'fetch', 'list'].map((t) => row(E1, t)));
  const live = (onToolChange: 'serve_approved' | 'disable') => {
    const [github] = serverGroups(installs, entries, rows, onToolChange);
    return ['search', 'send', 'drop', 'fetch', 'list'].filter((t) =>
      isLive(github!, rows.get(rowKey(E1, 'tool', t))!),
    );
  };

  it('knows a new tool never approved is not served, nor a waiting change when the workspace switches those off', () => {
    expect(live('serve_approved')).toEqual(['search', 'fetch', 'list']);
    expect(live('disable')).toEqual(['search', 'list']);
    expect(servesTool({ enabled: false, review: null }, 'serve_approved')).toBe(false);
  });

  it('marks the tools whose definition waits for review or was rejected, a pending review first', () => {
    const [github] = serverGroups(
      [
        ...installs,
        {
          installation: installation('team-1', E1, { scope: 'team' }),
          tools: [
            reviewed('team-1', 'search', { kind: 'changed', status: 'pending' }),
            reviewed('team-1', 'list', { kind: 'changed', status: 'pending' }),
          ],
        },
      ],
      entries,
      new Map(),
    );
    expect(Object.fromEntries(github!.reviews)).toEqual({
      send: { kind: 'new', status: 'pending', installation: 'org-1' },
      drop: { kind: 'new', status: 'rejected', installation: 'org-1' },
      fetch: { kind: 'changed', status: 'pending', installation: 'org-1' },
      list: { kind: 'changed', status: 'pending', installation: 'team-1' },
      search: { kind: 'changed', status: 'pending', installation: 'team-1' },
    });
  });

  it('words each review with what gateways do meanwhile', () => {
    const one = (review: Tool['review'], onToolChange: 'serve_approved' | 'disable' = 'serve_approved') =>
      describeReview({ ...review!, installation: 'org-1' }, onToolChange, 1);
    expect(one({ kind: 'new', status: 'pending' })).toEqual({
      badge: 'Waiting for approval',
      detail: 'New tool: not served until an owner or admin approves it.',
    });
    expect(one({ kind: 'new', status: 'rejected' }).badge).toBe('Rejected');
    expect(one({ kind: 'changed', status: 'pending' })).toEqual({
      badge: 'Change waiting for approval',
      detail: 'Its definition changed: gateways serve the approved one until the change is approved.',
    });
    expect(one({ kind: 'changed', status: 'pending' }, 'disable').detail).toBe(
      'Its definition changed: switched off on every gateway until the change is approved.',
    );
    expect(one({ kind: 'changed', status: 'rejected' }).badge).toBe('Change rejected');
    expect(
      describeReview({ kind: 'new', status: 'pending', installation: 'Team docs' }, 'serve_approved', 2)
        .detail,
    ).toBe('New tool (Team docs): not served until an owner or admin approves it.');
  });
});
