import { describe, expect, it } from 'vitest';
import { audienceCovers, jwtAudiences, otherAudience } from './token-audience.ts';

const jwt = (payload: unknown) =>
  `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;

describe('the audience of an upstream access token', () => {
  it('reads aud from a JWT, as a string or a list; none from opaque tokens or JWTs without it', () => {
    expect(jwtAudiences(jwt({ aud: 'https://a.test/mcp' }))).toEqual(['https://a.test/mcp']);
    expect(jwtAudiences(jwt({ aud: ['x', 'https://a.test/mcp'] }))).toEqual(['x', 'https://a.test/mcp']);
    expect(jwtAudiences(jwt({ sub: 'u' }))).toBeUndefined();
    expect(jwtAudiences(jwt({ aud: [] }))).toBeUndefined();
    expect(jwtAudiences('opaque-token-value')).toBeUndefined();
    expect(jwtAudiences('a.b.c.d.e')).toBeUndefined();
    expect(jwtAudiences('a.!!!.c')).toBeUndefined();
  });

  it('covers the resource exactly, or from the same origin with a path prefix', () => {
    const resource = 'https://a.test/api/mcp';
    expect(audienceCovers(resource, resource)).toBe(true);
    expect(audienceCovers('https://a.test', resource)).toBe(true);
    expect(audienceCovers('https://a.test/', resource)).toBe(true);
    expect(audienceCovers('https://a.test/api', resource)).toBe(true);
    expect(audienceCovers('https://a.test/api/', resource)).toBe(true);
    expect(audienceCovers('https://a.test/ap', resource)).toBe(false);
    expect(audienceCovers('https://a.test/api/mcp/more', resource)).toBe(false);
    expect(audienceCovers('https://b.test/api/mcp', resource)).toBe(false);
    expect(audienceCovers('http://a.test/api/mcp', resource)).toBe(false);
    expect(audienceCovers('https://a.test:8443/api/mcp', resource)).toBe(false);
    expect(audienceCovers('https://a.test/api?x=1', resource)).toBe(false);
    expect(audienceCovers('api://toolgate', resource)).toBe(false);
    expect(audienceCovers('not a url', resource)).toBe(false);
  });

  it('refuses a token only when none of its audiences covers the resource', () => {
    const resource = 'https://a.test/mcp';
    expect(otherAudience(jwt({ aud: ['client-id', resource] }), resource)).toBeUndefined();
    expect(otherAudience(jwt({ aud: 'https://b.test/mcp' }), resource)).toEqual(['https://b.test/mcp']);
    expect(otherAudience('opaque', resource)).toBeUndefined();
  });
});
