import { oauthClients } from '@toolgate/db/schema';
import { seedTenant } from '@toolgate/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateClient, createPreregisteredClient, registerClient } from './clients.ts';
import { sha256Hex } from './constants.ts';
import { OAuthError } from './errors.ts';
import { authorizationServerMetadata, openIdConfiguration } from './metadata.ts';
import {
  anyNumber,
  matching,
  createAuthTestEnv,
  REDIRECT,
  type AuthTestEnv,
} from './testing/auth-test-env.ts';

let env: AuthTestEnv;
beforeAll(async () => {
  env = await createAuthTestEnv();
});
afterAll(async () => {
  await env?.close();
});

async function refusal(body: unknown): Promise<OAuthError> {
  try {
    await registerClient(env.deps, body);
  } catch (err) {
    if (err instanceof OAuthError) return err;
    throw err;
  }
  throw new Error('expected the registration to be refused');
}

describe('dynamic client registration (RFC 7591)', () => {
  it('registers a public client: no secret, metadata echoed, defaults filled', async () => {
    const res = await registerClient(env.deps, {
      client_name: 'Claude',
      redirect_uris: [
        'https://claude.ai/api/mcp/auth_callback',
        'cursor://anysphere.cursor-mcp/oauth/callback',
      ],
      logo_uri: 'https://claude.ai/logo.png',
      scope: 'mcp:tools',
      software_id: 'ignored-but-kept',
    });
    expect(res).toMatchObject({
      client_id: matching(/^tgc-[0-9a-f]{32}$/),
      client_name: 'Claude',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: 'mcp:tools',
      client_id_issued_at: anyNumber(),
    });
    expect(res.client_secret).toBeUndefined();
    const [row] = await env.db.db.select().from(oauthClients).where(eq(oauthClients.clientId, res.client_id));
    expect(row).toMatchObject({ kind: 'dcr', tenantId: null, clientSecretHash: null, name: 'Claude' });
    expect(row!.metadata).toMatchObject({ software_id: 'ignored-but-kept' });
  });

  it('gives a confidential client a secret shown once and stored hashed', async () => {
    const res = await registerClient(env.deps, {
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
    });
    expect(res.client_secret).toMatch(/^tgs_/);
    expect(res.client_secret_expires_at).toBe(0);
    const [row] = await env.db.db.select().from(oauthClients).where(eq(oauthClients.clientId, res.client_id));
    expect(row!.clientSecretHash).toBe(sha256Hex(res.client_secret!));
    expect(JSON.stringify(row)).not.toContain(res.client_secret);
  });

  it('accepts https, loopback http and private-use schemes as redirect URIs', async () => {
    for (const uri of [
      'https://app.example.com/cb?x=1',
      'http://127.0.0.1:6274/oauth/callback',
      'http://localhost/cb',
      'http://[::1]:8080/cb',
      'vscode://vscode.github-authentication/did-authenticate',
      'com.example.app:/oauth2redirect',
    ]) {
      await expect(registerClient(env.deps, { redirect_uris: [uri] })).resolves.toMatchObject({
        redirect_uris: [uri],
      });
    }
  });

  it('refuses unsafe redirect URIs with invalid_redirect_uri', async () => {
    for (const uri of [
      'http://evil.example.com/cb',
      'http://127.0.0.1.nip.io/cb',
      'javascript:alert(1)',
      'data:text/html,hi',
      'file:///etc/passwd',
      'https://app.example.com/cb#frag',
      'https://user:pw@app.example.com/cb',
      'not a uri',
    ]) {
      expect({ uri, error: (await refusal({ redirect_uris: [uri] })).error }).toEqual({
        uri,
        error: 'invalid_redirect_uri',
      });
    }
    expect((await refusal({ client_name: 'x' })).error).toBe('invalid_redirect_uri');
    expect((await refusal({ redirect_uris: [] })).error).toBe('invalid_redirect_uri');
  });

  it('refuses unsupported metadata with invalid_client_metadata', async () => {
    const cases: Record<string, unknown>[] = [
      { token_endpoint_auth_method: 'private_key_jwt' },
      { grant_types: ['implicit'] },
      { grant_types: ['authorization_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer'] },
      { response_types: ['token'] },
      { scope: 'mcp:tools openid' },
      { logo_uri: 'http://example.com/logo.png' },
      { client_uri: 'javascript:alert(1)' },
      { redirect_uris: 'https://x.example/cb' },
      { client_name: 42 },
    ];
    for (const extra of cases) {
      const err = await refusal({ redirect_uris: [REDIRECT], ...extra });
      expect({ extra, error: err.error, status: err.status }).toEqual({
        extra,
        error: 'invalid_client_metadata',
        status: 400,
      });
    }
    expect((await refusal(null)).error).toBe('invalid_client_metadata');
    expect((await refusal([])).error).toBe('invalid_client_metadata');
  });
});

describe('pre-registered clients', () => {
  it('belong to a tenant, validate like DCR, and authenticate with client_secret_basic', async () => {
    const tenant = await seedTenant(env.db.db);
    const { client, clientSecret } = await createPreregisteredClient(env.deps, {
      tenantId: tenant.id,
      name: 'Agent platform',
      redirectUris: [REDIRECT],
      confidential: true,
      createdBy: null,
    });
    expect(client).toMatchObject({
      kind: 'preregistered',
      tenantId: tenant.id,
      tokenEndpointAuthMethod: 'client_secret_basic',
      grantTypes: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
    });
    await expect(
      authenticateClient(env.deps, {
        clientId: client.clientId,
        clientSecret: clientSecret!,
        method: 'client_secret_basic',
      }),
    ).resolves.toMatchObject({ id: client.id });
    await expect(
      authenticateClient(env.deps, {
        clientId: client.clientId,
        clientSecret: 'tgs_wrong',
        method: 'client_secret_basic',
      }),
    ).rejects.toMatchObject({ error: 'invalid_client', status: 401 });
    await expect(
      createPreregisteredClient(env.deps, {
        tenantId: tenant.id,
        name: 'Bad',
        redirectUris: ['http://evil.example/cb'],
        confidential: false,
        createdBy: null,
      }),
    ).rejects.toMatchObject({ error: 'invalid_redirect_uri' });
    const { clientSecret: none } = await createPreregisteredClient(env.deps, {
      tenantId: tenant.id,
      name: 'Public',
      redirectUris: [REDIRECT],
      confidential: false,
      createdBy: null,
    });
    expect(none).toBeUndefined();
  });
});

describe('metadata', () => {
  it('advertises the endpoints, PKCE S256, CIMD, iss and the ID-JAG profile', () => {
    const meta = authorizationServerMetadata(env.deps);
    expect(meta).toMatchObject({
      issuer: 'https://app.toolgate.test',
      authorization_endpoint: 'https://app.toolgate.test/oauth/authorize',
      token_endpoint: 'https://app.toolgate.test/oauth/token',
      registration_endpoint: 'https://app.toolgate.test/oauth/register',
      revocation_endpoint: 'https://app.toolgate.test/oauth/revoke',
      jwks_uri: 'https://app.toolgate.test/.well-known/jwks.json',
      code_challenge_methods_supported: ['S256'],
      grant_types_supported: [
        'authorization_code',
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:jwt-bearer',
      ],
      authorization_grant_profiles_supported: ['urn:ietf:params:oauth:grant-profile:id-jag'],
      client_id_metadata_document_supported: true,
      authorization_response_iss_parameter_supported: true,
      scopes_supported: ['mcp:tools', 'mcp:read'],
    });
    expect(openIdConfiguration(env.deps)).toMatchObject({ ...meta, subject_types_supported: ['public'] });
  });
});
