import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect, test } from '@playwright/test';
import { startEverythingServer, type RunningEverythingServer } from '../packages/fixtures/src/everything.ts';
import { shot, signUp, uid } from './steps.ts';

/**
 * The golden path: add an MCP server by URL, install it, put one of its tools on a gateway,
 * create a token, and call the tool through the proxy with the MCP SDK.
 */

let upstream: RunningEverythingServer;

test.beforeAll(async () => {
  upstream = await startEverythingServer('streamableHttp');
});
test.afterAll(async () => {
  await upstream?.close();
});

test('add a server, expose a tool on a gateway, and call it with a token', async ({ page }) => {
  test.setTimeout(120_000);
  const id = uid();
  const slug = `golden-${id}`;

  await signUp(page, {
    name: 'Grace Tester',
    email: `grace-${id}@example.test`,
    workspace: `Golden ${id}`,
    slug,
  });
  const nav = page.getByRole('navigation', { name: 'Workspace' });

  // Servers: add by URL, then install (discovery runs).
  await nav.getByRole('link', { name: 'Servers' }).click();
  await expect(page.getByRole('heading', { name: 'Servers', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'Add server' }).first().click();
  const add = page.getByRole('dialog', { name: 'Add a server' });
  await add.getByLabel('Name').fill('Everything');
  await expect(add.getByLabel('Slug')).toHaveValue('everything');
  await add.getByLabel('Server URL').fill(upstream.url);
  // "Detect" probes the URL server-side and fills in what it finds.
  await add.getByRole('button', { name: 'Detect' }).click();
  await expect(add.getByText('Found: Streamable HTTP, no sign-in needed')).toBeVisible();
  await add.getByRole('button', { name: 'Add server' }).click();
  await expect(add).toBeHidden();
  const row = page.getByRole('row').filter({ hasText: upstream.url });
  await expect(row).toContainText('Custom');
  await row.getByRole('button', { name: 'Install' }).click();
  const install = page.getByRole('dialog', { name: 'Install Everything' });
  await install.getByRole('button', { name: 'Install' }).click();
  await expect(install.getByText('Ready')).toBeVisible({ timeout: 30_000 });
  await expect(
    install.getByRole('list', { name: 'Discovered tools' }).getByText('echo', { exact: true }),
  ).toBeVisible();
  await install.getByRole('button', { name: 'Done' }).click();
  const card = page.getByRole('listitem', { name: 'Installation Everything' });
  await expect(card.getByText('echo', { exact: true })).toBeVisible();
  await shot(page, 'servers');

  // Gateways: create, assign echo, save.
  await nav.getByRole('link', { name: 'Gateways' }).click();
  await expect(page.getByText('No gateways yet')).toBeVisible();
  await page.getByRole('button', { name: 'Create gateway' }).first().click();
  const create = page.getByRole('dialog', { name: 'Create a gateway' });
  await create.getByLabel('Name').fill('Dev tools');
  await expect(create.getByLabel('Slug')).toHaveValue('dev-tools');
  await create.getByLabel('Description').fill('Tools for local development');
  await create.getByRole('button', { name: 'Create gateway' }).click();
  await expect(page.getByRole('heading', { name: 'Dev tools', level: 1 })).toBeVisible();
  await page.getByRole('checkbox', { name: 'everything__echo' }).check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText('Clients now see 1 tool')).toBeVisible();
  await shot(page, 'gateway-detail');

  await page.getByRole('button', { name: 'Connect' }).click();
  const connect = page.getByRole('dialog', { name: 'Connect a client' });
  const gatewayUrl = (await connect.getByTestId('gateway-url').textContent())!.trim();
  expect(gatewayUrl).toMatch(new RegExp(`/mcp/${slug}/dev-tools$`));
  await connect.getByRole('tab', { name: 'Cursor' }).click();
  await expect(connect.getByRole('tabpanel')).toContainText('Bearer <your token>');
  await shot(page, 'gateway-connect');
  await page.keyboard.press('Escape');

  await nav.getByRole('link', { name: 'Gateways' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'Dev tools' })).toBeVisible();
  await shot(page, 'gateways');

  // Tokens: create one and read it from the page (shown once).
  await nav.getByRole('link', { name: 'Tokens' }).click();
  await page.getByRole('button', { name: 'Create token' }).first().click();
  const tokenDialog = page.getByRole('dialog', { name: 'Create a token' });
  await tokenDialog.getByLabel('Token name').fill('golden path');
  await tokenDialog.getByRole('button', { name: 'Create token' }).click();
  const token = (await tokenDialog.getByTestId('new-token').textContent())!.trim();
  expect(token.length).toBeGreaterThan(20);
  await tokenDialog.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'golden path' })).toBeVisible();
  await shot(page, 'tokens');

  // An MCP client calls the tool through the gateway.
  const client = new Client({ name: 'golden-path', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(gatewayUrl), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  try {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['everything__echo']);
    const result = await client.callTool({
      name: 'everything__echo',
      arguments: { message: 'hello gateway' },
    });
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: hello gateway' }]);
  } finally {
    await client.close();
  }

  // The overview counts what was set up: every step but teams is done.
  await nav.getByRole('link', { name: 'Overview' }).click();
  await expect(page.getByText('4 of 5 steps complete')).toBeVisible();
  await expect(page.getByRole('link', { name: /^Servers\s*1$/ })).toBeVisible();
  await expect(page.getByRole('link', { name: /^Gateways\s*1$/ })).toBeVisible();
  await shot(page, 'overview-set-up');
});
