import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect, test } from '@playwright/test';
import { startConformanceFixture } from '../packages/fixtures/src/conformance-server.ts';
import type { RunningHttpServer } from '../packages/fixtures/src/streamable-http-host.ts';
import { newAccount, shot, signUp, workspaceNav } from './steps.ts';

/**
 * What a newcomer meets in the first ten minutes: Detect on a URL that is not an MCP server,
 * sentences instead of validator output, the new server shown in the list, the tool picker's
 * search, select all / none and prompt picker, a token made inside the connect dialog, and a
 * refused call to an unknown tool in the logs with the name it asked for.
 */

let upstream: RunningHttpServer;
/** A web server that is not an MCP server: 404 for everything. */
let website: Server;
let websiteUrl: string;

test.beforeAll(async () => {
  upstream = await startConformanceFixture();
  website = createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<h1>Not Found</h1>');
  });
  await new Promise<void>((resolve) => website.listen(0, '127.0.0.1', resolve));
  websiteUrl = `http://127.0.0.1:${(website.address() as AddressInfo).port}/mcp`;
});
test.afterAll(async () => {
  await upstream?.close();
  await new Promise<void>((resolve) => (website ? website.close(() => resolve()) : resolve()));
});

test('a newcomer adds a server, picks tools and prompts, connects with a new token, and reads the logs', async ({
  page,
}) => {
  test.setTimeout(150_000);
  const account = newAccount('Newcomer');
  await signUp(page, account);

  // Add a server: the slug hint follows the slug, Detect explains what is wrong.
  await workspaceNav(page).getByRole('link', { name: 'Servers' }).click();
  await page.getByRole('button', { name: 'Add server' }).first().click();
  const add = page.getByRole('dialog', { name: 'Add a server' });
  const name = add.getByLabel('Name');
  await name.fill('N'.repeat(150));
  await expect(name).toHaveValue('N'.repeat(100));
  await name.fill('Conformance Kit');
  await expect(add.getByTestId('slug-example')).toHaveText('conformance-kit__search');
  await add.getByLabel('Slug').fill('conf');
  await expect(add.getByTestId('slug-example')).toHaveText('conf__search');

  await add.getByLabel('Server URL').fill('not a url');
  await add.getByRole('button', { name: 'Detect' }).click();
  await expect(add.getByText('Enter the server’s http:// or https:// URL')).toBeVisible();
  await expect(add).not.toContainText('{');

  await add.getByLabel('Server URL').fill(websiteUrl);
  await add.getByRole('button', { name: 'Detect' }).click();
  const failed = add.getByTestId('probe-failed');
  await expect(failed).toContainText('Not an MCP server');
  await expect(failed).toContainText('answered HTTP 404 but did not answer as an MCP server');
  await expect(add.getByText('unknown transport')).toHaveCount(0);
  await shot(page, 'add-server-not-mcp');

  await add.getByLabel('Server URL').fill(upstream.url);
  await add.getByRole('button', { name: 'Detect' }).click();
  await expect(add.getByTestId('probe-found')).toHaveText('Found: Streamable HTTP, no sign-in needed');
  await add.getByRole('button', { name: 'Add server' }).click();
  await expect(add).toBeHidden();

  // The new server is shown and highlighted.
  const added = page.locator('tr[data-highlighted="true"]');
  await expect(added).toContainText('Conformance Kit');
  await expect(added).toBeInViewport();
  await added.getByRole('button', { name: 'Install' }).click();
  const install = page.getByRole('dialog', { name: 'Install Conformance Kit' });
  await install.getByRole('button', { name: 'Install' }).click();
  await expect(install.getByText('Ready')).toBeVisible({ timeout: 30_000 });
  await install.getByRole('button', { name: 'Done' }).click();

  // A gateway; names over 100 characters cannot be typed.
  await workspaceNav(page).getByRole('link', { name: 'Gateways' }).click();
  await page.getByRole('button', { name: 'Create gateway' }).first().click();
  const create = page.getByRole('dialog', { name: 'Create a gateway' });
  await create.getByLabel('Name').fill('G'.repeat(120));
  await expect(create.getByLabel('Name')).toHaveValue('G'.repeat(100));
  await create.getByLabel('Name').fill('First ten');
  await create.getByRole('button', { name: 'Create gateway' }).click();
  await expect(page.getByRole('heading', { name: 'First ten', level: 1 })).toBeVisible();

  // Tool picker: search, select all / none, prompts from discovery.
  const search = page.getByRole('searchbox', { name: 'Search tools' });
  await search.fill('simple');
  await expect(page.getByRole('checkbox', { name: 'conf__test_simple_text' })).toBeVisible();
  await expect(page.getByRole('checkbox', { name: 'conf__test_error_handling' })).toHaveCount(0);
  await expect(page.getByRole('checkbox', { name: 'Prompt conf__test_simple_prompt' })).toBeVisible();
  await expect(page.getByRole('checkbox', { name: 'Prompt conf__test_prompt_with_image' })).toHaveCount(0);
  await search.fill('');
  const toolBoxes = page.getByRole('list', { name: 'Conformance Kit tools' }).getByRole('checkbox');
  const toolCount = await toolBoxes.count();
  expect(toolCount).toBeGreaterThan(5);
  await page.getByRole('button', { name: 'Select all tools of Conformance Kit' }).click();
  await expect(page.getByText(`${toolCount} of ${toolCount} tools picked`)).toBeVisible();
  for (const box of await toolBoxes.all()) await expect(box).toBeChecked();
  await page.getByRole('button', { name: 'Select no tools of Conformance Kit' }).click();
  await expect(page.getByText(`0 of ${toolCount} tools picked`)).toBeVisible();
  await page.getByRole('checkbox', { name: 'conf__test_simple_text' }).check();
  const prompt = page.getByRole('checkbox', { name: 'Prompt conf__test_prompt_with_arguments' });
  await expect(page.getByRole('list', { name: 'Conformance Kit prompts' })).toContainText('Takes arg1, arg2');
  await prompt.check();
  const credential = page.getByRole('combobox', {
    name: 'Installation for prompt conf__test_prompt_with_arguments',
  });
  await expect(credential).toBeVisible();
  expect((await credential.boundingBox())!.width).toBeGreaterThanOrEqual(280);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText('Clients now see 1 tool')).toBeVisible();
  await shot(page, 'tool-picker');

  // Connect: a token made in the dialog goes into the snippets; OAuth needs only the URL.
  await page.getByRole('button', { name: 'Connect' }).click();
  const connect = page.getByRole('dialog', { name: 'Connect a client' });
  const gatewayUrl = (await connect.getByTestId('gateway-url').textContent())!.trim();
  await connect.getByLabel('New token for this gateway').fill('Laptop');
  await connect.getByRole('button', { name: 'Create token' }).click();
  const token = (await connect.getByTestId('connect-new-token').textContent())!.trim();
  expect(token.length).toBeGreaterThan(20);
  await connect.getByRole('tab', { name: 'Cursor' }).click();
  await expect(connect.getByTestId('connect-snippet')).toContainText(`Bearer ${token}`);
  await connect.getByRole('tab', { name: 'curl' }).click();
  const snippet = connect.getByTestId('connect-snippet');
  const [snippetBox, dialogBox] = [await snippet.boundingBox(), await connect.boundingBox()];
  expect(snippetBox!.x + snippetBox!.width).toBeLessThanOrEqual(dialogBox!.x + dialogBox!.width);
  expect(await snippet.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  await connect.getByRole('radio', { name: 'OAuth sign-in (URL only)' }).click();
  await connect.getByRole('tab', { name: 'VS Code' }).click();
  await expect(connect.getByTestId('connect-snippet')).toContainText(gatewayUrl);
  await expect(connect.getByTestId('connect-snippet')).not.toContainText('Authorization');
  await shot(page, 'connect-oauth');
  await page.keyboard.press('Escape');

  // A client with the new token: the prompt is there, and it asks for a tool that is not.
  const client = new Client({ name: 'first-ten-minutes', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(gatewayUrl), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  try {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['conf__test_prompt_with_arguments']);
    const refused = await client.callTool({ name: 'conf__no_such_tool', arguments: {} }).then(
      () => 'answered',
      (e: Error) => e.message,
    );
    expect(refused).toContain('Unknown tool: conf__no_such_tool');
  } finally {
    await client.close();
  }

  // Logs: the refused call names what was asked for and why it failed.
  await workspaceNav(page).getByRole('link', { name: 'Logs' }).click();
  await expect(page).toHaveURL(/\/logs$/);
  const refusedRow = page.getByRole('row').filter({ hasText: 'conf__no_such_tool' });
  await expect(async () => {
    await page.reload();
    await expect(refusedRow).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await expect(refusedRow).toContainText('not on this gateway');
  await expect(refusedRow).toContainText('Unknown tool: conf__no_such_tool');
  await shot(page, 'logs-unknown-tool');
});
