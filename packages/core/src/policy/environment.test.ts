import { describe, expect, it } from 'vitest';
import { checkPolicyCondition } from './environment.ts';

const messageOf = (source: string) => {
  const result = checkPolicyCondition(source);
  return result.ok ? undefined : result.message;
};

describe('checkPolicyCondition', () => {
  it('accepts conditions over the declared variables', () => {
    for (const ok of [
      '"external-send" in tool.labels && session.tainted',
      'has(args.path) && string(args.path).startsWith("/etc")',
      'caller.emailDomain == "corp.example" && "eng" in caller.teams',
      'tool.annotations.destructiveHint == true',
      'request.time.getHours("UTC") < 9',
      'gateway.slug == "prod" && caller.client == "cursor"',
    ])
      expect(checkPolicyCondition(ok)).toEqual({ ok: true });
  });

  it('points at what is wrong', () => {
    expect(checkPolicyCondition('tool.nam == "x"')).toMatchObject({
      ok: false,
      message: 'No such key: nam',
      offset: 5,
      line: 1,
      column: 6,
    });
    expect(checkPolicyCondition('tool.name == "a" &&\n  ')).toMatchObject({ ok: false, line: 2 });
    expect(checkPolicyCondition('secrets.x == 1')).toMatchObject({
      ok: false,
      message: 'Unknown variable: secrets',
    });
    expect(messageOf('tool.name == 1')).toContain('overload');
    expect(messageOf('tool.name')).toContain('true or false');
    expect(checkPolicyCondition('   ')).toMatchObject({ ok: false, message: 'The condition is empty' });
    expect(checkPolicyCondition('true || '.repeat(1000) + 'true')).toMatchObject({ ok: false });
  });
});

describe('matches() on RE2', () => {
  it('accepts RE2 patterns and refuses what RE2 cannot run, at the pattern', () => {
    expect(checkPolicyCondition('string(args.q).matches("(?i)^drop table")')).toEqual({ ok: true });
    expect(checkPolicyCondition('caller.email.matches("@corp\\\\.example$")')).toEqual({ ok: true });
    const lookahead = checkPolicyCondition('tool.name == "x" && string(args.q).matches("a(?=b)")');
    expect(lookahead).toMatchObject({ ok: false, offset: 43, line: 1, column: 44 });
    expect(messageOf('string(args.q).matches("(a")')).toContain('RE2');
  });
});
