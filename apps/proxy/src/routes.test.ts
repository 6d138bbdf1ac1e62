import { describe, expect, it } from 'vitest';
import { parseRoute } from './routes.ts';

const config = { publicMcpUrl: 'https://mcp.example.com', baseHost: 'mcp.example.com' };

describe('parseRoute', () => {
  it('routes by path', () => {
    expect(parseRoute('/mcp/acme/dev', 'mcp.example.com', config)).toEqual({
      kind: 'mcp',
      route: {
        tenantSlug: 'acme',
        gatewaySlug: 'dev',
        resourceUrl: 'https://mcp.example.com/mcp/acme/dev',
        metadataUrl: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp/acme/dev',
      },
    });
  });

  it('routes by tenant subdomain when a base host is configured', () => {
    const parsed = parseRoute('/mcp/dev', 'acme.mcp.example.com', config);
    expect(parsed).toMatchObject({
      kind: 'mcp',
      route: { tenantSlug: 'acme', gatewaySlug: 'dev', resourceUrl: 'https://acme.mcp.example.com/mcp/dev' },
    });
  });

  it('serves protected-resource metadata paths and rejects everything else', () => {
    expect(parseRoute('/.well-known/oauth-protected-resource/mcp/acme/dev', undefined, config).kind).toBe(
      'metadata',
    );
    expect(parseRoute('/mcp/Acme/dev', undefined, config).kind).toBe('other');
    expect(parseRoute('/mcp/acme', undefined, { publicMcpUrl: 'http://localhost:4000' }).kind).toBe('other');
    expect(parseRoute('/mcp/acme/dev/extra', undefined, config).kind).toBe('other');
  });

  it('routes the legacy HTTP+SSE endpoints by path and by tenant subdomain', () => {
    const streamable = parseRoute('/mcp/acme/dev', 'mcp.example.com', config);
    expect(parseRoute('/mcp/acme/dev/sse', 'mcp.example.com', config)).toEqual({
      ...streamable,
      kind: 'legacy-sse',
    });
    expect(parseRoute('/mcp/acme/dev/messages', undefined, config)).toMatchObject({
      kind: 'legacy-message',
      route: { tenantSlug: 'acme', gatewaySlug: 'dev', resourceUrl: 'https://mcp.example.com/mcp/acme/dev' },
    });
    expect(parseRoute('/mcp/dev/sse', 'acme.mcp.example.com', config)).toMatchObject({
      kind: 'legacy-sse',
      route: { tenantSlug: 'acme', gatewaySlug: 'dev', resourceUrl: 'https://acme.mcp.example.com/mcp/dev' },
    });
    expect(parseRoute('/mcp/dev/messages/', 'acme.mcp.example.com', config).kind).toBe('legacy-message');
    // Without a tenant host, /mcp/{a}/{b} is still gateway b of tenant a, even when b is "sse".
    expect(parseRoute('/mcp/acme/sse', 'mcp.example.com', config)).toMatchObject({
      kind: 'mcp',
      route: { tenantSlug: 'acme', gatewaySlug: 'sse' },
    });
    expect(parseRoute('/mcp/acme/dev/other', undefined, config).kind).toBe('other');
    expect(parseRoute('/mcp/acme/dev/sse/x', undefined, config).kind).toBe('other');
    expect(parseRoute('/.well-known/oauth-protected-resource/mcp/acme/dev/sse', undefined, config).kind).toBe(
      'other',
    );
  });
});
