import { MAX_AGENT_CHARS } from '@toolgate/core/usage';
import { describe, expect, it } from 'vitest';
import { clearNarrowingFilters, filtersQuery, hasNarrowingFilters, parseFilters } from './usage-filters.ts';

describe('the agent filter in the URL', () => {
  it('reads an agent from the query string and writes it back, so usage links to the logs', () => {
    const filters = parseFilters(new URLSearchParams('range=24h&agent=claude-code&tool=echo'));
    expect(filters).toEqual({ range: '24h', agent: 'claude-code', tool: 'echo' });
    expect(parseFilters(new URLSearchParams(filtersQuery(filters).slice(1)))).toEqual(filters);
    expect(filtersQuery({ agent: 'https://client.example/meta.json' })).toBe(
      '?agent=https%3A%2F%2Fclient.example%2Fmeta.json',
    );
  });

  it('drops an empty or longer-than-recorded agent instead of sending it', () => {
    expect(parseFilters(new URLSearchParams('agent='))).toEqual({});
    expect(parseFilters(new URLSearchParams(`agent=${'x'.repeat(MAX_AGENT_CHARS)}`)).agent).toHaveLength(
      MAX_AGENT_CHARS,
    );
    expect(parseFilters(new URLSearchParams(`agent=${'x'.repeat(MAX_AGENT_CHARS + 1)}`))).toEqual({});
  });

  it('counts the agent as narrowing, cleared with the other filters', () => {
    expect(hasNarrowingFilters({ range: '1h', agent: 'cursor' })).toBe(true);
    expect(clearNarrowingFilters()).toHaveProperty('agent', undefined);
  });
});

describe('the policy decision and DLP outcome filters in the URL', () => {
  it('reads known values from the query string and writes them back', () => {
    const filters = parseFilters(
      new URLSearchParams('range=1h&policyDecision=approval_denied&dlpOutcome=redacted'),
    );
    expect(filters).toEqual({ range: '1h', policyDecision: 'approval_denied', dlpOutcome: 'redacted' });
    expect(parseFilters(new URLSearchParams(filtersQuery(filters).slice(1)))).toEqual(filters);
  });

  it('drops values that are no decision or outcome instead of sending them', () => {
    expect(parseFilters(new URLSearchParams('policyDecision=denied&dlpOutcome=redact'))).toEqual({});
  });

  it('counts both as narrowing, cleared with the other filters', () => {
    expect(hasNarrowingFilters({ dlpOutcome: 'blocked' })).toBe(true);
    expect(hasNarrowingFilters({ policyDecision: 'deny' })).toBe(true);
    expect(clearNarrowingFilters()).toHaveProperty('policyDecision', undefined);
    expect(clearNarrowingFilters()).toHaveProperty('dlpOutcome', undefined);
  });
});
