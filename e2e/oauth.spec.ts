import { spawn } from 'node:child_process';
import path from 'node:path';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect, test, type Page } from '@playwright/test';
import { startEverythingServer, type RunningEverythingServer } from '../packages/fixtures/src/everything.ts';
import { MemoryOAuthProvider, startCallbackServer, startMetadataDocumentServer } from './oauth-client.ts';
import { addEverythingServer, createGateway, shot, signUp, uid, workspaceNav } from './steps.ts';

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
async function setUp(page: Page): Promise<{ slug: string; gatewayUrl: string }> {
  const id = uid();
  const slug = `oauth-${id}`;
  await signUp(page, {
    name: 'Olivia Oauth',
    email: `olivia-${id}@example.test`,
    workspace: `OAuth ${id}`,
    slug,
  });
  await addEverythingServer(page, upstream.url);
  await createGateway(page, 'Agents');
  const tools = page.getByRole('tabpanel', { name: 'Tools' });
  await tools.getByRole('checkbox', { name: 'everything__echo' }).check();
  await tools.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(tools.getByText('Clients now see 1 tool')).toBeVisible();
  await page.getByRole('button', { name: 'Connect' }).click();
  const connect = page.getByRole('dialog', { name: 'Connect a client' });
  const gatewayUrl = (await connect.getByTestId('gateway-url').textContent())!.trim();
  await page.keyboard.press('Escape');
  return { slug, gatewayUrl };
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
    const form = page.getByRole('form', { name: 'Authorize application' });
    await expect(form).toContainText(consent.clientName);
    await expect(form).toContainText('127.0.0.1');
    await expect(form).toContainText('Agents');
    if (consent.screenshot) await shot(page, consent.screenshot);
    await form.getByRole('button', { name: 'Allow' }).click();
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
