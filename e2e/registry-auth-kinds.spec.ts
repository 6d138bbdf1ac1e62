import { expect, test, type Page } from '@playwright/test';
import type { RegistryEntry } from '../packages/api/src/schemas/registry.ts';
import { startOAuthUpstream, type OAuthUpstream } from '../packages/fixtures/src/oauth-upstream.ts';
import { inviteColleague } from './colleague-steps.ts';
import { newAccount, shot, signUp, uid, workspaceNav, type Account } from './steps.ts';

/**
 * Servers' form offers token exchange (RFC 8693) and ID-JAG with their settings, checked with
 * sentences under the fields, and stores them as the API reads them; owners and admins enter a
 * client registered by hand at an OAuth server (shown the redirect URI to register), which
 * connecting an account then uses; members are not offered it.
 */

let upstream: OAuthUpstream;

test.beforeAll(async () => {
  upstream = await startOAuthUpstream();
});
test.afterAll(async () => {
  await upstream?.close();
});

/** The workspace's registry as the tRPC API answers it to the signed-in browser. */
async function storedEntry(page: Page, account: Account, name: string): Promise<RegistryEntry> {
  const response = await page.request.get('/api/trpc/registry.list', {
    headers: { 'x-toolgate-tenant': account.slug },
  });
  expect(response.status()).toBe(200);
  const body = (await response.json()) as { result: { data: { json: RegistryEntry[] } } };
  const entry = body.result.data.json.find((e) => e.name === name);
  expect(entry, `registry entry ${name}`).toBeDefined();
  return entry!;
}

async function openAddServer(page: Page) {
  await workspaceNav(page).getByRole('link', { name: 'Servers' }).click();
  await page.getByRole('button', { name: 'Add server' }).first().click();
  return page.getByRole('dialog', { name: 'Add a server' });
}

test('an admin adds token exchange and ID-JAG servers through the form, with field errors first', async ({
  page,
}) => {
  const account = newAccount('Tova');
  await signUp(page, account);

  // Token exchange: the token endpoint is required, and the form says so under it.
  const add = await openAddServer(page);
  await add.getByLabel('Name').fill('Exchange Notes');
  await add.getByLabel('Server URL').fill('https://notes.example.test/mcp');
  await add.getByLabel('Authentication').selectOption({ label: 'Token exchange (RFC 8693)' });
  await expect(add.getByTestId('token-exchange-auth-hint')).toContainText(
    "Toolgate exchanges that JWT at the token endpoint below (RFC 8693, as the installation's client)",
  );
  await expect(add.getByText('fields “clientId” and, secret, “clientSecret”')).toBeVisible();
  await add.getByRole('button', { name: 'Add server' }).click();
  const tokenEndpoint = add.getByLabel('Token endpoint');
  await expect(tokenEndpoint).toHaveAccessibleDescription(
    "Token exchange needs the identity provider's token endpoint",
  );
  await expect(tokenEndpoint).toBeFocused();
  await shot(page, 'registry-token-exchange-error');
  await tokenEndpoint.fill('https://idp.example.test/oauth2/token');
  await expect(tokenEndpoint).toHaveAccessibleDescription("Your identity provider's token endpoint.");
  await add.getByLabel('Audience').fill('notes-api');
  await add.getByLabel('Scopes').fill('notes:read notes:write');
  await add.getByRole('button', { name: 'Add server' }).click();
  await expect(add).toBeHidden();
  const exchangeRow = page.getByRole('row').filter({ hasText: 'Exchange Notes' });
  await expect(exchangeRow).toContainText('Token exchange (RFC 8693)');

  const exchange = await storedEntry(page, account, 'Exchange Notes');
  expect(exchange.authKind).toBe('token_exchange');
  expect(exchange.authConfig).toEqual({
    tokenEndpoint: 'https://idp.example.test/oauth2/token',
    audience: 'notes-api',
    scopes: ['notes:read', 'notes:write'],
  });
  expect(exchange.installFields.map((f) => [f.key, f.required, f.secret])).toEqual([
    ['clientId', true, false],
    ['clientSecret', true, true],
  ]);

  // Edit shows the stored settings and changes one of them; the install fields stay as they were.
  await exchangeRow.getByRole('button', { name: 'Edit Exchange Notes' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit Exchange Notes' });
  await expect(edit.getByLabel('Authentication')).toHaveValue('token_exchange');
  await expect(edit.getByLabel('Token endpoint')).toHaveValue('https://idp.example.test/oauth2/token');
  await expect(edit.getByLabel('Scopes')).toHaveValue('notes:read notes:write');
  await edit.getByLabel('Token endpoint').fill('');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(edit.getByLabel('Token endpoint')).toHaveAccessibleDescription(
    "Token exchange needs the identity provider's token endpoint",
  );
  await edit.getByLabel('Token endpoint').fill('https://idp.example.test/oauth2/v2/token');
  await edit.getByLabel('Audience').fill('notes-api-v2');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(edit).toBeHidden();
  const edited = await storedEntry(page, account, 'Exchange Notes');
  expect(edited.authConfig).toEqual({
    tokenEndpoint: 'https://idp.example.test/oauth2/v2/token',
    audience: 'notes-api-v2',
    scopes: ['notes:read', 'notes:write'],
  });
  expect(edited.installFields).toEqual(exchange.installFields);

  // ID-JAG: the IdP's token endpoint and the server's authorization server are both required.
  const addJag = await openAddServer(page);
  await addJag.getByLabel('Name').fill('Enterprise Notes');
  await addJag.getByLabel('Server URL').fill('https://enterprise-notes.example.test/mcp');
  await addJag
    .getByLabel('Authentication')
    .selectOption({ label: 'ID-JAG (enterprise-managed authorization)' });
  await expect(addJag.getByTestId('id-jag-auth-hint')).toContainText(
    "Toolgate has the identity provider issue an ID-JAG for the server's authorization server",
  );
  await addJag.getByLabel('Token endpoint').fill('https://idp.example.test/oauth2/token');
  await addJag.getByRole('button', { name: 'Add server' }).click();
  const authorizationServer = addJag.getByLabel('Authorization server');
  await expect(authorizationServer).toHaveAccessibleDescription(
    "ID-JAG needs the server's authorization server (its issuer)",
  );
  await expect(authorizationServer).toBeFocused();
  await authorizationServer.fill('https://auth.enterprise-notes.example.test');
  await addJag.getByLabel('Scopes').fill('notes:read');
  await shot(page, 'registry-id-jag');
  await addJag.getByRole('button', { name: 'Add server' }).click();
  await expect(addJag).toBeHidden();
  const jagRow = page.getByRole('row').filter({ hasText: 'Enterprise Notes' });
  await expect(jagRow).toContainText('ID-JAG (enterprise-managed authorization)');

  const jag = await storedEntry(page, account, 'Enterprise Notes');
  expect(jag.authKind).toBe('id_jag');
  expect(jag.authConfig).toEqual({
    tokenEndpoint: 'https://idp.example.test/oauth2/token',
    authorizationServer: 'https://auth.enterprise-notes.example.test',
    scopes: ['notes:read'],
  });
  expect(jag.installFields.map((f) => [f.key, f.secret])).toEqual([
    ['clientId', false],
    ['clientSecret', true],
    ['upstreamClientId', false],
    ['upstreamClientSecret', true],
  ]);

  // Installing asks for the gateway's clients.
  await jagRow.getByRole('button', { name: 'Install' }).click();
  const install = page.getByRole('dialog', { name: 'Install Enterprise Notes' });
  await expect(install.getByLabel('Client ID at the identity provider')).toBeVisible();
  await expect(install.getByLabel("Client secret at the server's authorization server")).toHaveAttribute(
    'type',
    'password',
  );
});

test('an admin sets a hand-registered OAuth client, which connecting then uses; a member is not offered it', async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000);
  const account = newAccount('Ossian');
  await signUp(page, account);

  const add = await openAddServer(page);
  await add.getByLabel('Name').fill('Notes');
  await add.getByLabel('Server URL').fill(upstream.mcpUrl);
  await add.getByRole('button', { name: 'Detect' }).click();
  await expect(add.getByText(`Found: Streamable HTTP, OAuth via ${upstream.issuer}`)).toBeVisible();
  // As connections.spec.ts: with the issuer left empty the scopes come from the server's metadata.
  await add.getByLabel('Authorization server').clear();
  await add.getByRole('button', { name: 'Add server' }).click();
  await expect(add).toBeHidden();
  const row = page.getByRole('row').filter({ hasText: upstream.mcpUrl });
  // Only OAuth servers have a client to set.
  await expect(page.getByRole('button', { name: /^OAuth client for / })).toHaveCount(1);

  await row.getByRole('button', { name: 'OAuth client for Notes' }).click();
  const dialog = page.getByRole('dialog', { name: 'OAuth client for Notes' });
  const redirectUri = dialog.getByTestId('oauth-redirect-uri');
  await expect(redirectUri).toHaveText(new URL('/oauth/upstream/callback', page.url()).href);
  await dialog.getByRole('button', { name: 'Save client' }).click();
  await expect(dialog.getByLabel('Client ID')).toHaveAccessibleDescription(
    'Enter the client ID the server’s authorization server gave you.',
  );

  // Registered by hand at the server, with the redirect URI the dialog shows.
  const registration = await fetch(upstream.registrationEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: `Hand-registered ${uid()}`,
      redirect_uris: [(await redirectUri.textContent())!.trim()],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }),
  });
  expect(registration.status).toBe(201);
  const client = (await registration.json()) as { client_id: string; client_secret: string };

  await dialog.getByLabel('Client ID').fill(client.client_id);
  await dialog.getByLabel('Client secret').fill(client.client_secret);
  await dialog.getByRole('button', { name: 'Save client' }).click();
  const saved = dialog.getByRole('status');
  await expect(saved).toContainText(
    `Saved: client ${client.client_id} at ${upstream.issuer} (registered by hand)`,
  );
  await expect(saved).toContainText('A client secret is stored, encrypted; it is never shown again.');
  // Write-only: the secret is not kept in the form, nor anywhere on the page.
  await expect(dialog.getByLabel('Client secret')).toHaveValue('');
  await expect(page.getByText(client.client_secret)).toHaveCount(0);
  await shot(page, 'registry-oauth-client');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toBeHidden();

  // Connecting an account signs in through that client: the server sees tokens issued to it.
  await workspaceNav(page).getByRole('link', { name: 'Connected accounts' }).click();
  await page.getByRole('button', { name: 'Connect an account at Notes' }).click();
  await expect(page).toHaveURL((url) => url.origin === upstream.issuer);
  const username = `ossian-${uid()}`;
  await page.locator('#username').fill(username);
  await page.locator('#login').click();
  await page.locator('#approve').click();
  await expect(page).toHaveURL(new RegExp(`/t/${account.slug}/connections\\?connected=`), {
    timeout: 15_000,
  });
  await expect
    .poll(() => upstream.seen.tokens.filter((t) => t.sub === username).map((t) => t.clientId))
    .toContain(client.client_id);

  // A member sees the server but is not offered its OAuth client, and the API refuses them.
  const member = await inviteColleague(page, browser, account, 'Mira Member');
  try {
    await workspaceNav(member.page).getByRole('link', { name: 'Servers' }).click();
    const memberRow = member.page.getByRole('row').filter({ hasText: upstream.mcpUrl });
    await expect(memberRow.getByRole('button', { name: 'Request' })).toBeVisible();
    await expect(member.page.getByRole('button', { name: /OAuth client/ })).toHaveCount(0);
    const entry = await storedEntry(member.page, account, 'Notes');
    const refused = await member.page.request.post('/api/trpc/registry.setOAuthClient', {
      headers: { 'x-toolgate-tenant': account.slug },
      data: { json: { entryId: entry.id, clientId: 'not-allowed' } },
    });
    expect(refused.status()).toBe(403);
  } finally {
    await member.close();
  }
});
