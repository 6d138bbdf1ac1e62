import { describe, expect, it } from 'vitest';
import {
  ZAssignmentInput,
  ZCreateGatewayRequest,
  ZHeaderAllowlist,
  ZUpdateGatewayRequest,
} from './gateways.ts';

const id = '6a1f1d0e-3c1b-4c57-9a7e-2a8f0c1d2e3f';

describe('gateway schemas', () => {
  it('lower-cases and de-duplicates the header allow-list', () => {
    expect(ZHeaderAllowlist.parse(['X-Trace-Id', 'x-trace-id', ' X-Org '])).toEqual(['x-trace-id', 'x-org']);
  });

  it.each([
    'Authorization',
    'COOKIE',
    'host',
    'Content-Length',
    'Connection',
    'Transfer-Encoding',
    'Mcp-Session-Id',
  ])('refuses %s in the allow-list', (header) => {
    const result = ZHeaderAllowlist.safeParse([header]);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([0]);
  });

  it('refuses header names that are not tokens', () => {
    expect(ZHeaderAllowlist.safeParse(['x ok']).success).toBe(false);
    expect(ZHeaderAllowlist.safeParse(['x:y']).success).toBe(false);
  });

  it('applies defaults and the visibility rule', () => {
    expect(ZCreateGatewayRequest.parse({ slug: 'dev', name: 'Dev' })).toEqual({
      slug: 'dev',
      name: 'Dev',
      description: '',
      visibility: 'org',
      teamIds: [],
      clientAuthMethods: ['api_token', 'oauth'],
      toolExposure: 'full',
      headerAllowlist: [],
      identityProviderId: null,
      passthroughEntryId: null,
    });
    expect(ZCreateGatewayRequest.safeParse({ slug: 'dev', name: 'Dev', visibility: 'teams' }).success).toBe(
      false,
    );
    // Identity-provider JWTs need the provider that signs them.
    expect(
      ZCreateGatewayRequest.safeParse({ slug: 'dev', name: 'Dev', clientAuthMethods: ['idp_jwt'] }).success,
    ).toBe(false);
    expect(
      ZCreateGatewayRequest.safeParse({
        slug: 'dev',
        name: 'Dev',
        clientAuthMethods: ['idp_jwt'],
        identityProviderId: id,
      }).success,
    ).toBe(true);
    expect(ZCreateGatewayRequest.safeParse({ slug: 'dev', name: 'Dev', teamIds: [id] }).success).toBe(false);
    expect(ZCreateGatewayRequest.safeParse({ slug: 'Dev', name: 'Dev' }).success).toBe(false);
  });

  it('needs at least one field to update', () => {
    expect(ZUpdateGatewayRequest.safeParse({}).success).toBe(false);
    expect(ZUpdateGatewayRequest.parse({ name: 'x' })).toEqual({ name: 'x' });
  });

  it('normalizes assignments', () => {
    expect(ZAssignmentInput.parse({ registryEntryId: id, toolName: 'echo' })).toEqual({
      kind: 'tool',
      registryEntryId: id,
      toolName: 'echo',
      installationId: null,
      alias: null,
      descriptionOverride: null,
    });
    expect(ZAssignmentInput.parse({ registryEntryId: id, kind: 'resources' })).toMatchObject({
      toolName: '*',
    });
    expect(ZAssignmentInput.safeParse({ registryEntryId: id }).success).toBe(false);
    expect(ZAssignmentInput.safeParse({ registryEntryId: id, kind: 'resources', alias: 'x' }).success).toBe(
      false,
    );
    expect(
      ZAssignmentInput.safeParse({ registryEntryId: id, toolName: 'x', alias: 'has space' }).success,
    ).toBe(false);
    // Parsing what parsing produced changes nothing (services re-validate router output).
    const once = ZAssignmentInput.parse({ registryEntryId: id, kind: 'resources' });
    expect(ZAssignmentInput.parse(once)).toEqual(once);
  });
});
