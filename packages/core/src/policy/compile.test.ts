import { describe, expect, it } from 'vitest';
import { CompiledPolicies } from './compile.ts';
import type { PolicyCaller, PolicyInput, PolicyTool } from './environment.ts';
import type { SnapshotPolicy } from './types.ts';

const tool = (over: Partial<PolicyTool> = {}): PolicyTool => ({
  name: 'send_email',
  exposedName: 'mail__send_email',
  server: 'mail',
  annotations: {},
  labels: ['external-send'],
  ...over,
});
const caller = (over: Partial<PolicyCaller> = {}): PolicyCaller => ({
  userId: 'u1',
  email: 'ann@corp.example',
  emailDomain: 'corp.example',
  role: 'member',
  teams: ['eng'],
  authMethod: 'oauth',
  client: 'claude-desktop',
  tokenId: '',
  ...over,
});
const input = (over: Partial<PolicyInput> = {}): PolicyInput => ({
  tool: tool(),
  args: {},
  caller: caller(),
  gateway: { slug: 'main' },
  session: { tainted: false, labels: [] },
  request: { time: new Date('2026-12-07T10:00:00Z') },
  ...over,
});
let n = 0;
const policy = (
  condition: string,
  action: SnapshotPolicy['action'] = 'deny',
  priority = 0,
): SnapshotPolicy => ({
  id: `p${++n}`,
  name: `policy ${n}`,
  priority,
  action,
  condition,
  message: `message ${n}`,
});
const decide = (policies: SnapshotPolicy[], i = input()) =>
  new CompiledPolicies(policies).forTool(i.tool, i.gateway).decide(i);

describe('policy evaluation', () => {
  it('allows when nothing matches, and the first match by priority wins', () => {
    expect(decide([]).action).toBe('allow');
    const low = policy('tool.name == "send_email"', 'deny', 1);
    const high = policy('caller.role == "member"', 'require_approval', 5);
    const result = decide([low, high]);
    expect(result).toMatchObject({ action: 'require_approval', policy: { id: high.id } });
    expect(decide([low, policy('caller.role == "admin"', 'allow', 9)])).toMatchObject({
      action: 'deny',
      policy: { id: low.id },
    });
  });

  it('reads arguments, teams, the agent, the session and the time', () => {
    const byArg = policy('has(args.to) && !string(args.to).endsWith("@corp.example")');
    expect(decide([byArg], input({ args: { to: 'x@evil.example' } })).action).toBe('deny');
    expect(decide([byArg], input({ args: { to: 'y@corp.example' } })).action).toBe('allow');
    const byTeam = policy('!("finance" in caller.teams)');
    expect(decide([byTeam]).action).toBe('deny');
    expect(decide([byTeam], input({ caller: caller({ teams: ['finance'] }) })).action).toBe('allow');
    const byAgent = policy('caller.client == "cursor"');
    expect(decide([byAgent], input({ caller: caller({ client: 'cursor' }) })).action).toBe('deny');
    const trifecta = policy('"external-send" in tool.labels && session.tainted');
    expect(decide([trifecta]).action).toBe('allow');
    expect(
      decide([trifecta], input({ session: { tainted: true, labels: ['untrusted-output'] } })).action,
    ).toBe('deny');
    const hours = policy('request.time.getHours("UTC") >= 18');
    expect(decide([hours]).action).toBe('allow');
    expect(decide([hours], input({ request: { time: new Date('2026-12-07T19:00:00Z') } })).action).toBe(
      'deny',
    );
  });

  it('fails closed: a deny whose condition errors at run time matches; an allow does not', () => {
    const broken = policy('args.path.startsWith("/etc")');
    const failed = decide([broken]);
    expect(failed.action).toBe('deny');
    expect(failed.error).toContain('path');
    const allow = policy('args.path.startsWith("/tmp")', 'allow', 10);
    expect(decide([allow, policy('true', 'deny', 0)]).action).toBe('deny');
  });

  it('drops, per tool, the policies about other tools, so nothing is evaluated for them', () => {
    const set = new CompiledPolicies([policy('tool.name == "delete_repo" && args.force == true')]);
    expect(set.forTool(tool(), { slug: 'main' }).empty).toBe(true);
    const forDelete = set.forTool(tool({ name: 'delete_repo' }), { slug: 'main' });
    expect(forDelete.empty).toBe(false);
    expect(
      forDelete.decide(input({ tool: tool({ name: 'delete_repo' }), args: { force: true } })).action,
    ).toBe('deny');
    expect(set.forTool(tool(), { slug: 'other' }).empty).toBe(true);
  });

  it('knows which tools a caller is denied whatever the arguments (identity-aware listing)', () => {
    const onlyFinance = policy('tool.server == "mail" && !("finance" in caller.teams)');
    const tools = new CompiledPolicies([onlyFinance]).forTool(tool(), { slug: 'main' });
    expect(tools.deniedRegardless(caller())).toBe(true);
    expect(tools.deniedRegardless(caller({ teams: ['finance'] }))).toBe(false);
    // Depends on the arguments: listed, decided per call.
    const byArg = new CompiledPolicies([policy('caller.role == "member" && args.to == "x"')]).forTool(
      tool(),
      {
        slug: 'main',
      },
    );
    expect(byArg.deniedRegardless(caller())).toBe(false);
    // A higher-priority allow that may match first keeps the tool listed.
    const allowed = new CompiledPolicies([
      policy('caller.email == "ann@corp.example"', 'allow', 10),
      policy('true', 'deny', 0),
    ]).forTool(tool(), { slug: 'main' });
    expect(allowed.deniedRegardless(caller())).toBe(false);
    expect(allowed.deniedRegardless(caller({ email: 'bob@corp.example' }))).toBe(true);
    // Approval is not denial: such tools stay listed.
    const approval = new CompiledPolicies([policy('true', 'require_approval')]).forTool(tool(), {
      slug: 'main',
    });
    expect(approval.deniedRegardless(caller())).toBe(false);
  });

  it('says whether calls need the session', () => {
    expect(new CompiledPolicies([policy('session.tainted')]).readsSession).toBe(true);
    expect(new CompiledPolicies([policy('tool.name == "x"')]).readsSession).toBe(false);
    // Per tool: only a policy left for the tool makes its calls read the session.
    const trifecta = new CompiledPolicies([policy('"external-send" in tool.labels && session.tainted')]);
    expect(trifecta.forTool(tool({ labels: [] }), { slug: 'main' }).readsSession).toBe(false);
    expect(trifecta.forTool(tool(), { slug: 'main' }).readsSession).toBe(true);
  });
});

describe('matches()', () => {
  it('runs RE2 syntax, flags included', () => {
    const shouting = policy('string(args.q).matches("(?i)^drop table")');
    expect(decide([shouting], input({ args: { q: 'DROP TABLE users' } })).action).toBe('deny');
    expect(decide([shouting], input({ args: { q: 'select 1' } })).action).toBe('allow');
    const byEmail = policy('caller.email.matches("@corp\\\\.example$")');
    expect(decide([byEmail], input({ caller: caller({ email: 'ann@corp.example' }) })).action).toBe('deny');
    expect(decide([byEmail], input({ caller: caller({ email: 'ann@corpXexample' }) })).action).toBe('allow');
  });

  it('stays linear on a pattern a backtracking engine would stall on', () => {
    // On V8's RegExp this is 2^40 steps; on RE2 one pass.
    const catastrophic = policy('string(args.q).matches("^(a+)+$")');
    expect(decide([catastrophic], input({ args: { q: `${'a'.repeat(40)}b` } })).action).toBe('allow');
    expect(decide([catastrophic], input({ args: { q: 'a'.repeat(40) } })).action).toBe('deny');
  });
});
