import { expect, test, type Page } from '@playwright/test';
import { eq } from 'drizzle-orm';
import type { DbHandle } from '../packages/db/src/client.ts';
import { upstreamConnections } from '../packages/db/src/schema/index.ts';
import { startEverythingServer, type RunningEverythingServer } from '../packages/fixtures/src/everything.ts';
import { databaseOf } from './embedded-db.ts';
import { addEverythingServer, createGateway, newAccount, shot, signUp, uid, workspaceNav } from './steps.ts';

/**
 * Toolgate as the upstream of Toolgate: workspace B's gateway takes OAuth only; the same person's
 * workspace A adds that gateway as a remote OAuth server and connects their account at it. Toolgate
 * is then a client of its own authorization server: discovery from the proxy's 401 and RFC 9728
 * metadata, Dynamic Client Registration, the code flow with PKCE through Toolgate's own consent
 * page, and the callback. A tool of B's gateway is then called through A's gateway; the worker
 * refreshes the account's tokens at B's token endpoint; after the person revokes the grant at B
 * the next refresh is refused, and they reconnect through the same consent page.
 */

let upstream: RunningEverythingServer;

test.beforeAll(async () => {
  upstream = await startEverythingServer('streamableHttp');
});
test.afterAll(async () => {
  await upstream?.close();
});

/** B's gateway, as A's registry names it. */
const SERVER = 'Tenant B';
const TOOL = 'tenant-b__everything__echo';

/** Reads the gateway URL from the detail page's Connect dialog. */
async function gatewayUrlOf(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Connect' }).click();
  const connect = page.getByRole('dialog', { name: 'Connect a client' });
  const url = (await connect.getByTestId('gateway-url').textContent())!.trim();
  await page.keyboard.press('Escape');
  await expect(connect).toBeHidden();
  return url;
}

/** Puts one tool on the open gateway. */
async function exposeTool(page: Page, tool: string): Promise<void> {
  const tools = page.getByRole('tabpanel', { name: 'Tools' });
  await tools.getByRole('checkbox', { name: tool }).check();
  await tools.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(tools.getByText('Clients now see 1 tool')).toBeVisible();
}

/** A JSON-RPC answer from a Streamable HTTP response, plain JSON or one SSE event. */
async function rpcAnswer(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  if (!(response.headers.get('content-type') ?? '').includes('text/event-stream'))
    return JSON.parse(text) as Record<string, unknown>;
  const messages = text
    .split(/\r?\n\r?\n/)
    .map((event) =>
      event
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n'),
    )
    .filter(Boolean)
    .map((data) => JSON.parse(data) as Record<string, unknown>);
  const answer = messages.find((m) => 'result' in m || 'error' in m);
  if (!answer) throw new Error(`no JSON-RPC answer in: ${text.slice(0, 500)}`);
  return answer;
}

/**
 * Stands in for the passing of time: the connection's access token (which B issued for an hour)
 * now expires in a minute, and was issued well before, so it is past half its life and within the
 * worker's look-ahead, thus due at its next sweep (every 2 s in these tests). B's own token is untouched.
 */
async function makeRefreshDue(handle: DbHandle, connectionId: string): Promise<void> {
  const now = Date.now();
  const updated = await handle.db
    .update(upstreamConnections)
    .set({
      accessTokenExpiresAt: new Date(now + 60_000),
      connectedAt: new Date(now - 2 * 3_600_000),
      lastRefreshedAt: new Date(now - 2 * 3_600_000),
    })
    .where(eq(upstreamConnections.id, connectionId))
    .returning({ id: upstreamConnections.id });
  expect(updated).toHaveLength(1);
}

/** What the connection's row says now. */
async function connectionRow(handle: DbHandle, connectionId: string) {
  const [row] = await handle.db
    .select({
      status: upstreamConnections.status,
      lastRefreshedAt: upstreamConnections.lastRefreshedAt,
      refreshTokenSealed: upstreamConnections.refreshTokenSealed,
    })
    .from(upstreamConnections)
    .where(eq(upstreamConnections.id, connectionId));
  expect(row).toBeDefined();
  return row!;
}

/** initialize, notifications/initialized and one tools/call over plain HTTP; returns the call's answer. */
async function callTool(
  gatewayUrl: string,
  token: string,
  name: string,
  args: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  const post = (body: unknown) => fetch(gatewayUrl, { method: 'POST', headers, body: JSON.stringify(body) });
  const init = await post({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'e2e-toolgate-upstream', version: '1.0.0' },
    },
  });
  expect(init.status).toBe(200);
  const initialized = await rpcAnswer(init);
  const version = (initialized.result as { protocolVersion: string }).protocolVersion;
  headers['mcp-protocol-version'] = version;
  const session = init.headers.get('mcp-session-id');
  if (session) headers['mcp-session-id'] = session;
  const notified = await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  expect(notified.status).toBe(202);
  const call = await post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name, arguments: args } });
  expect(call.status).toBe(200);
  return rpcAnswer(call);
}

test("connect an account at another workspace's OAuth-only gateway through Toolgate's own consent page, call its tool, refresh, and reconnect after a revocation", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(300_000);

  // Workspace B: server-everything's echo on a gateway that takes OAuth only.
  const person = newAccount('Bea');
  await signUp(page, person);
  await addEverythingServer(page, upstream.url);
  await createGateway(page, 'Shared tools');
  await exposeTool(page, 'everything__echo');
  await page.getByRole('tab', { name: 'Settings' }).click();
  const settings = page.getByRole('tabpanel', { name: 'Settings' });
  await settings.getByRole('checkbox', { name: 'API tokens' }).uncheck();
  await expect(settings.getByRole('checkbox', { name: 'OAuth (MCP clients sign in)' })).toBeChecked();
  await settings.getByRole('button', { name: 'Save settings' }).click();
  await expect(settings.getByText('Settings saved.')).toBeVisible();
  const bGatewayUrl = await gatewayUrlOf(page);
  expect(bGatewayUrl).toMatch(new RegExp(`/mcp/${person.slug}/shared-tools$`));

  // What an MCP client finds there: a 401 naming the metadata, which names Toolgate's issuer.
  const challenge = await fetch(bGatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'ping' }),
  });
  expect(challenge.status).toBe(401);
  const metadataUrl = /resource_metadata="([^"]+)"/.exec(
    challenge.headers.get('www-authenticate') ?? '',
  )?.[1];
  expect(metadataUrl).toBeTruthy();
  const resourceMetadata = (await (await fetch(metadataUrl!)).json()) as Record<string, unknown>;
  expect(resourceMetadata).toMatchObject({ resource: bGatewayUrl, authorization_servers: [baseURL] });

  // Workspace A: a second workspace of the same person, who is thus a member of both.
  const aWorkspace = `Alder Works ${uid()}`;
  await page.goto('/workspaces/new');
  await page.getByLabel('Workspace name').fill(aWorkspace);
  const aSlug = await page.getByLabel('Workspace URL').inputValue();
  expect(aSlug).toBeTruthy();
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page).toHaveURL(`/t/${aSlug}`);

  // B's gateway as a remote server signing in with OAuth, as a user adds one: Detect fills it in.
  await workspaceNav(page).getByRole('link', { name: 'Servers' }).click();
  await page.getByRole('button', { name: 'Add server' }).first().click();
  const add = page.getByRole('dialog', { name: 'Add a server' });
  await add.getByLabel('Name').fill(SERVER);
  await add.getByLabel('Server URL').fill(bGatewayUrl);
  await add.getByRole('button', { name: 'Detect' }).click();
  await expect(add.getByText(`Found: Streamable HTTP, OAuth via ${baseURL}`)).toBeVisible();
  await expect(add.getByLabel('Authentication')).toHaveValue('oauth');
  await add.getByRole('button', { name: 'Add server' }).click();
  await expect(add).toBeHidden();

  // Connect: Toolgate's own authorization server asks the same person, signed in, to consent.
  await workspaceNav(page).getByRole('link', { name: 'Connected accounts' }).click();
  await expect(page).toHaveURL(`/t/${aSlug}/connections`);
  await expect(page.getByText('No connected accounts yet')).toBeVisible();
  await page.getByRole('button', { name: `Connect an account at ${SERVER}` }).click();
  await expect(page).toHaveURL((url) => url.pathname === '/oauth/consent');
  const consent = page.getByRole('main');
  await expect(
    consent.getByRole('heading', { name: 'Toolgate wants to use Shared tools', level: 1 }),
  ).toBeVisible();
  // The code goes back to Toolgate itself; the workspace is B, the gateway B's.
  await expect(consent).toContainText(new URL(baseURL!).host);
  await expect(consent).toContainText(person.workspace);
  await expect(consent).toContainText(bGatewayUrl);
  await expect(consent.getByRole('listitem').filter({ hasText: 'Call tools' })).toBeVisible();
  await shot(page, 'connections-toolgate-consent');
  await consent.getByRole('button', { name: 'Approve' }).click();

  // Back on A's Connected accounts through the callback, with the account listed.
  await expect(page).toHaveURL(new RegExp(`/t/${aSlug}/connections\\?connected=`), { timeout: 15_000 });
  const connectionId = new URL(page.url()).searchParams.get('connected')!;
  await expect(
    page.getByRole('status').filter({ hasText: `Connected your account at ${SERVER}` }),
  ).toBeVisible();
  const table = page.getByRole('table', { name: 'connected accounts' });
  const row = table.getByRole('row').filter({ hasText: SERVER });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Active');
  await expect(row).toContainText('You');
  await shot(page, 'connections-toolgate-upstream');

  // A's gateway exposes B's echo (discovered through B's gateway as this person); an API token calls it.
  await createGateway(page, 'Relay');
  await exposeTool(page, TOOL);
  const aGatewayUrl = await gatewayUrlOf(page);
  await workspaceNav(page).getByRole('link', { name: 'Tokens' }).click();
  await page.getByRole('button', { name: 'Create token' }).first().click();
  const tokenDialog = page.getByRole('dialog', { name: 'Create a token' });
  await tokenDialog.getByLabel('Token name').fill('relay e2e');
  await tokenDialog.getByRole('button', { name: 'Create token' }).click();
  const token = (await tokenDialog.getByTestId('new-token').textContent())!.trim();
  await tokenDialog.getByRole('button', { name: 'Done' }).click();

  const answer = await callTool(aGatewayUrl, token, TOOL, { message: 'across workspaces' });
  expect(answer.error).toBeUndefined();
  expect(answer.result).toMatchObject({
    content: [{ type: 'text', text: 'Echo: across workspaces' }],
  });
  // A's API token does not open B's gateway, which takes OAuth only.
  const refused = await fetch(bGatewayUrl, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'ping' }),
  });
  expect(refused.status).toBe(401);

  // B's logs: the call came to B's gateway over OAuth as this person (the usage pipeline flushes
  // about every second, so the page is reloaded until it shows).
  await page.goto(`/t/${person.slug}/logs?tool=everything__echo`);
  const logged = page
    .getByRole('table', { name: 'Calls' })
    .getByRole('row')
    .filter({ hasText: 'Shared tools' });
  await expect(async () => {
    await page.reload();
    await expect(logged).toHaveCount(1, { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await expect(logged).toContainText(person.email);
  await logged.getByRole('link').first().click();
  await expect(page.getByRole('heading', { name: 'everything__echo', level: 1 })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Arguments' })).toContainText('across workspaces');
  const details = page.getByRole('region', { name: 'Details' });
  await expect(details).toContainText(person.email);
  await expect(details).toContainText('OAuth');
  await expect(details).toContainText('Shared tools');

  // B sees the grant: Toolgate, signed in as this person, on its gateway.
  await page.goto(`/t/${person.slug}`);
  await workspaceNav(page).getByRole('link', { name: 'Connected apps' }).click();
  const grant = page.getByRole('row').filter({ hasText: 'Toolgate' });
  await expect(grant).toContainText(person.email);
  await expect(grant).toContainText('Shared tools');
  await expect(grant).toContainText('Active');

  // Refresh: the worker rotates the tokens at B's (Toolgate's own) token endpoint once they are due.
  const { handle } = await databaseOf(aSlug);
  try {
    await page.goto(`/t/${aSlug}/connections`);
    const accountRow = page.getByRole('table', { name: 'connected accounts' }).getByRole('row').filter({
      hasText: SERVER,
    });
    const lastRefreshed = accountRow.locator('td, th').nth(
      await page
        .getByRole('table', { name: 'connected accounts' })
        .getByRole('columnheader')
        .evaluateAll((headers) => headers.findIndex((h) => h.textContent?.trim() === 'Last refreshed')),
    );
    await expect(lastRefreshed).toHaveText('Never');
    const before = await connectionRow(handle, connectionId);
    expect(before.lastRefreshedAt).toBeNull();
    await makeRefreshDue(handle, connectionId);
    // Back-dated above: a refresh by the worker sets it to now.
    const backdated = Date.now() - 3_600_000;
    await expect(async () => {
      const now = await connectionRow(handle, connectionId);
      expect(now.lastRefreshedAt?.getTime() ?? 0).toBeGreaterThan(backdated);
    }).toPass({ timeout: 75_000 });
    const refreshed = await connectionRow(handle, connectionId);
    expect(refreshed.status).toBe('active');
    // A new refresh token: B rotated it.
    expect(refreshed.refreshTokenSealed).not.toBe(before.refreshTokenSealed);
    await page.reload();
    await expect(accountRow).toContainText('Active');
    await expect(lastRefreshed).not.toHaveText('Never');
    await expect(lastRefreshed).not.toHaveText('');
    await expect
      .poll(
        () =>
          callTool(aGatewayUrl, token, TOOL, { message: 'after refresh' }).then(
            (after) => after.result,
            (err: unknown) => String(err),
          ),
        { timeout: 15_000 },
      )
      .toMatchObject({ content: [{ type: 'text', text: 'Echo: after refresh' }] });

    // Reconnect: the person revokes Toolgate's grant at B, in B's Connected apps.
    await page.goto(`/t/${person.slug}`);
    await workspaceNav(page).getByRole('link', { name: 'Connected apps' }).click();
    await expect(grant).toHaveCount(1);
    await grant.getByRole('button', { name: `Revoke Toolgate for ${person.email}` }).click();
    const revokeDialog = page.getByRole('dialog', { name: 'Revoke access?' });
    await revokeDialog.getByRole('button', { name: 'Revoke access' }).click();
    await expect(revokeDialog).toBeHidden();
    await expect(grant).toContainText('Revoked');

    // The next refresh (due again, as above) is refused: the row says the account must be reconnected.
    await makeRefreshDue(handle, connectionId);
    await page.goto(`/t/${aSlug}/connections`);
    await expect(async () => {
      await page.reload();
      await expect(accountRow).toContainText('Reconnect needed', { timeout: 2_000 });
    }).toPass({ timeout: 75_000 });
    await expect(accountRow).toContainText('The server refused to refresh the token');
    expect((await connectionRow(handle, connectionId)).status).toBe('needs_reconnect');
    await shot(page, 'connections-toolgate-reconnect-needed');

    // Reconnect: Toolgate's consent page again (still signed in), back to the same connection.
    await accountRow.getByRole('button', { name: `Reconnect ${SERVER} (You)` }).click();
    await expect(page).toHaveURL((url) => url.pathname === '/oauth/consent');
    await expect(
      consent.getByRole('heading', { name: 'Toolgate wants to use Shared tools', level: 1 }),
    ).toBeVisible();
    await consent.getByRole('button', { name: 'Approve' }).click();
    await expect(page).toHaveURL(new RegExp(`/t/${aSlug}/connections\\?connected=${connectionId}`), {
      timeout: 15_000,
    });
    await expect(
      page.getByRole('status').filter({ hasText: `Connected your account at ${SERVER}` }),
    ).toBeVisible();
    await expect(accountRow).toHaveCount(1);
    await expect(accountRow).toContainText('Active');
    await expect(accountRow).not.toContainText('Reconnect needed');
    expect((await connectionRow(handle, connectionId)).status).toBe('active');
    await expect
      .poll(
        () =>
          callTool(aGatewayUrl, token, TOOL, { message: 'after reconnect' }).then(
            (after) => after.result,
            (err: unknown) => String(err),
          ),
        { timeout: 15_000 },
      )
      .toMatchObject({ content: [{ type: 'text', text: 'Echo: after reconnect' }] });
  } finally {
    await handle.close();
  }

  // Disconnect in A: B's authorization server confirms the revocation.
  await page.goto(`/t/${aSlug}/connections`);
  const connected = page.getByRole('table', { name: 'connected accounts' }).getByRole('row').filter({
    hasText: SERVER,
  });
  await connected.getByRole('button', { name: `Disconnect ${SERVER}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Disconnect this account?' });
  await dialog.getByRole('button', { name: 'Disconnect' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('The server confirmed it revoked the tokens.')).toBeVisible();
  await expect(page.getByText('No connected accounts yet')).toBeVisible();

  // Without the account, A's gateway no longer reaches B: its only installation went with it.
  await expect
    .poll(() =>
      callTool(aGatewayUrl, token, TOOL, { message: 'after disconnect' }).then(
        (after) => (after.error as { message?: string } | undefined)?.message,
        (err: unknown) => String(err),
      ),
    )
    .toBe(`Unknown tool: ${TOOL}`);
});
