import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect, test, type Page } from '@playwright/test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startEverythingServer, type RunningEverythingServer } from '../packages/fixtures/src/everything.ts';
import { MemoryOAuthProvider, startCallbackServer, startMetadataDocumentServer } from './oauth-client.ts';
import { addEverythingServer, gatewayWithTool, shot, signUp, uid, workspaceNav } from './steps.ts';

/**
 * An MCP client that knows only the gateway URL: the MCP SDK discovers the authorization server
 * from the gateway's 401, registers (Dynamic Client Registration, or a Client ID Metadata
 * Document), sends the user to the consent page (driven here in Chromium), exchanges the code,
 * calls a tool through the proxy and refreshes. The MCP Inspector CLI then uses the same token.
 */

let upstream: RunningEverythingServer;
let callback: Awaited<ReturnType<typeof startCallbackServer>>;

test.beforeAll(async () => {
  [upstream, callback] = await Promise.all([startEverythingServer('streamableHttp'), startCallbackServer()]);
});
test.afterAll(async () => {
  await Promise.all([upstream?.close(), callback?.close()]);
});

const ROOT = process.cwd();

function inspector(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['scripts/inspector/cli.sh', ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Sign up, install server-everything, expose echo on a gateway; returns the gateway URL. */
async function setUp(page: Page): Promise<{ slug: string; email: string; gatewayUrl: string }> {
  const id = uid();
  const slug = `oauth-${id}`;
  const email = `olivia-${id}@example.test`;
  await signUp(page, { name: 'Olivia Oauth', email, workspace: `OAuth ${id}`, slug });
  await addEverythingServer(page, upstream.url);
  const gatewayUrl = await gatewayWithTool(page, { gateway: 'Agents', tool: 'everything__echo' });
  return { slug, email, gatewayUrl };
}

/**
 * The SDK's first connection fails with UnauthorizedError after handing the provider an
 * authorization URL; the user approves in the browser and the loopback redirect gets the code.
 */
async function signIn(
  page: Page,
  gatewayUrl: string,
  provider: MemoryOAuthProvider,
  consent: { clientName: string; screenshot?: string } | 'remembered',
): Promise<void> {
  const transport = new StreamableHTTPClientTransport(new URL(gatewayUrl), { authProvider: provider });
  await expect(new Client({ name: 'e2e', version: '1.0.0' }).connect(transport)).rejects.toBeInstanceOf(
    UnauthorizedError,
  );
  const authorizationUrl = provider.authorizationUrl!;
  expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorizationUrl.searchParams.get('resource')).toBe(gatewayUrl);
  const redirected = callback.next();
  await page.goto(authorizationUrl.toString());
  if (consent !== 'remembered') {
    const consentPage = page.getByRole('main');
    await expect(
      consentPage.getByRole('heading', { name: `${consent.clientName} wants to use Agents`, level: 1 }),
    ).toBeVisible();
    // Where the code will go, and what the client may do.
    await expect(consentPage).toContainText(new URL(callback.url).host);
    await expect(consentPage.getByRole('listitem').filter({ hasText: 'Call tools' })).toBeVisible();
    if (consent.screenshot) await shot(page, consent.screenshot);
    await consentPage.getByRole('button', { name: 'Approve' }).click();
  }
  const query = await redirected;
  expect(query.get('error')).toBeNull();
  expect(query.get('state')).toBe(authorizationUrl.searchParams.get('state'));
  await transport.finishAuth(query.get('code')!);
  await expect(page.getByRole('heading', { name: 'Signed in' })).toBeVisible();
}

async function echo(gatewayUrl: string, provider: MemoryOAuthProvider, message: string): Promise<unknown> {
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(gatewayUrl), { authProvider: provider }));
  try {
    const result = await client.callTool({ name: 'everything__echo', arguments: { message } });
    return result.content;
  } finally {
    await client.close();
  }
}

test('an MCP client signs in with Dynamic Client Registration, calls a tool, refreshes, and is revoked', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const { slug, gatewayUrl } = await setUp(page);

  const provider = new MemoryOAuthProvider({ redirectUrl: callback.url, clientName: 'E2E Agent' });
  await signIn(page, gatewayUrl, provider, { clientName: 'E2E Agent', screenshot: 'oauth-consent' });
  expect(provider.clientInformation()?.client_id).toBeTruthy();
  const first = provider.tokens()!;
  expect(first.refresh_token).toBeTruthy();
  expect(first.scope?.split(' ').sort()).toEqual(['mcp:read', 'mcp:tools']);
  expect(await echo(gatewayUrl, provider, 'hello over oauth')).toEqual([
    { type: 'text', text: 'Echo: hello over oauth' },
  ]);

  // The access token goes bad: the SDK gets a 401, refreshes (the refresh token rotates) and retries.
  provider.spoilAccessToken();
  expect(await echo(gatewayUrl, provider, 'after refresh')).toEqual([
    { type: 'text', text: 'Echo: after refresh' },
  ]);
  const second = provider.tokens()!;
  expect(second.access_token).not.toBe(first.access_token);
  expect(second.refresh_token).toBeTruthy();
  expect(second.refresh_token).not.toBe(first.refresh_token);

  // A second sign-in by the same client: consent is remembered, no page in between.
  const again = new MemoryOAuthProvider({ redirectUrl: callback.url, clientName: 'E2E Agent' });
  again.saveClientInformation(provider.clientInformation()!);
  await signIn(page, gatewayUrl, again, 'remembered');

  // The MCP Inspector CLI, with the token the SDK obtained.
  const call = await inspector([
    gatewayUrl,
    '--transport',
    'http',
    '--header',
    `Authorization: Bearer ${provider.tokens()!.access_token}`,
    '--method',
    'tools/call',
    '--tool-name',
    'everything__echo',
    '--tool-arg',
    'message=from the inspector',
  ]);
  expect(call.code, call.stderr).toBe(0);
  expect(JSON.parse(call.stdout)).toMatchObject({
    content: [{ type: 'text', text: 'Echo: from the inspector' }],
  });

  // The admin sees the grant and revokes it: the client's tokens stop working at once.
  await page.goto(`/t/${slug}`);
  await workspaceNav(page).getByRole('link', { name: 'Connected apps' }).click();
  const row = page.getByRole('row').filter({ hasText: 'E2E Agent' });
  await expect(row).toContainText('mcp:tools');
  await shot(page, 'oauth-connected-apps');
  await row.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(row.getByText('Revoked')).toBeVisible();
  await expect(echo(gatewayUrl, provider, 'after revocation')).rejects.toThrow();
});

test('an MCP client identified by a Client ID Metadata Document signs in and calls a tool', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const { gatewayUrl } = await setUp(page);
  const tlsDir = process.env.E2E_TLS_DIR!;
  const documentServer = await startMetadataDocumentServer(
    { cert: path.join(tlsDir, 'cert.pem'), key: path.join(tlsDir, 'key.pem') },
    (clientId) => ({
      client_id: clientId,
      client_name: 'Metadata Agent',
      redirect_uris: [callback.url],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }),
  );
  try {
    const provider = new MemoryOAuthProvider({
      redirectUrl: callback.url,
      clientName: 'Metadata Agent',
      clientMetadataUrl: documentServer.clientId,
    });
    await signIn(page, gatewayUrl, provider, {
      clientName: 'Metadata Agent',
      screenshot: 'oauth-consent-cimd',
    });
    // No registration happened: the client id is the document's URL.
    expect(provider.clientInformation()?.client_id).toBe(documentServer.clientId);
    expect(await echo(gatewayUrl, provider, 'metadata document')).toEqual([
      { type: 'text', text: 'Echo: metadata document' },
    ]);
  } finally {
    await documentServer.close();
  }
});

/** An enterprise identity provider: an ES256 key whose JWKS is served on loopback. */
async function startIdentityProvider() {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const kid = randomUUID();
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] };
  const server = createServer((req, res) => {
    if (req.url !== '/jwks') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    sign: (claims: Record<string, unknown>, typ = 'JWT') =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid, typ })
        .setIssuer(issuer)
        .setIssuedAt()
        .setExpirationTime('5m')
        .setJti(randomUUID())
        .sign(privateKey),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function callEcho(gatewayUrl: string, accessToken: string, message: string): Promise<unknown> {
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(gatewayUrl), {
      requestInit: { headers: { Authorization: `Bearer ${accessToken}` } },
    }),
  );
  try {
    return (await client.callTool({ name: 'everything__echo', arguments: { message } })).content;
  } finally {
    await client.close();
  }
}

test("an enterprise's identity provider: its JWTs reach a gateway directly, and its ID-JAG assertions buy gateway tokens", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(240_000);
  const { slug, email, gatewayUrl } = await setUp(page);
  const idp = await startIdentityProvider();
  try {
    // The admin adds the provider, trusted for ID-JAG.
    await page.goto(`/t/${slug}`);
    await workspaceNav(page).getByRole('link', { name: 'Identity providers' }).click();
    await page.getByRole('button', { name: 'Add identity provider' }).first().click();
    const form = page.getByRole('dialog', { name: 'Add an identity provider' });
    await form.getByLabel('Name').fill('Acme SSO');
    await form.getByLabel('Issuer').fill(idp.issuer);
    await form.getByLabel('JWKS URL').fill(idp.jwksUri);
    await form.getByLabel('Audience').fill('toolgate-e2e');
    await form.getByLabel('Trust its ID-JAG assertions').check();
    await form.getByRole('button', { name: 'Add provider' }).click();
    await expect(form).toBeHidden();
    await expect(page.getByRole('row').filter({ hasText: 'Acme SSO' })).toContainText(idp.issuer);
    await shot(page, 'identity-providers');

    // The gateway accepts that provider's JWTs.
    await workspaceNav(page).getByRole('link', { name: 'Gateways' }).click();
    await page.getByRole('link', { name: 'Agents' }).first().click();
    await page.getByRole('tab', { name: 'Settings' }).click();
    const settings = page.getByRole('tabpanel', { name: 'Settings' });
    await settings.getByLabel('Identity provider JWTs').check();
    await settings
      .getByLabel('Identity provider', { exact: true })
      .selectOption({ label: `Acme SSO — ${idp.issuer}` });
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await expect(settings.getByText('Settings saved.')).toBeVisible();
    await shot(page, 'gateway-sign-in-methods');

    // The member's own identity, as the IdP asserts it: mapped to them by email.
    const idToken = await idp.sign({ sub: 'employee-1', email, aud: 'toolgate-e2e' });
    expect(await callEcho(gatewayUrl, idToken, 'from the IdP')).toEqual([
      { type: 'text', text: 'Echo: from the IdP' },
    ]);
    const wrongAudience = await idp.sign({ sub: 'employee-1', email, aud: 'someone-else' });
    await expect(callEcho(gatewayUrl, wrongAudience, 'refused')).rejects.toThrow();

    // ID-JAG: a confidential client registered by the admin trades an assertion for a gateway token.
    await workspaceNav(page).getByRole('link', { name: 'Connected apps' }).click();
    await page.getByRole('button', { name: 'Register a client' }).click();
    const register = page.getByRole('dialog', { name: 'Register an OAuth client' });
    await register.getByLabel('Name').fill('Acme agent');
    await register.getByLabel('Redirect URIs').fill('https://agent.example.com/callback');
    await register.getByLabel('Confidential client').check();
    await register.getByRole('button', { name: 'Register client' }).click();
    const clientId = (await register.getByTestId('new-client-id').textContent())!.trim();
    const clientSecret = (await register.getByTestId('new-client-secret').textContent())!.trim();
    await shot(page, 'oauth-client-registered');
    await register.getByRole('button', { name: 'Done' }).click();

    const assertion = await idp.sign(
      {
        sub: 'employee-1',
        email,
        aud: baseURL,
        client_id: clientId,
        resource: gatewayUrl,
        scope: 'mcp:tools',
      },
      'oauth-id-jag+jwt',
    );
    const exchange = (jag: string) =>
      fetch(`${baseURL}/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
        },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion: jag,
          scope: 'mcp:tools mcp:read',
        }),
      });
    const granted = await exchange(assertion);
    const body = (await granted.json()) as Record<string, string>;
    expect(granted.status, JSON.stringify(body)).toBe(200);
    expect(body.token_type).toBe('Bearer');
    expect(body.scope).toBe('mcp:tools');
    expect(body.refresh_token).toBeUndefined();
    expect(await callEcho(gatewayUrl, body.access_token!, 'via ID-JAG')).toEqual([
      { type: 'text', text: 'Echo: via ID-JAG' },
    ]);
    // The same assertion twice is a replay.
    const replay = await exchange(assertion);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
  } finally {
    await idp.close();
  }
});
