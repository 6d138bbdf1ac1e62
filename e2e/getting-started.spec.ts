import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { startEverythingServer, type RunningEverythingServer } from '../packages/fixtures/src/everything.ts';
import { newAccount, signUp, verifyEmail, workspaceNav } from './steps.ts';

/**
 * docs/getting-started.md, step by step: sign up, verify the address, add and install a real MCP
 * server, put a tool on a gateway, create a token, call the tool with the MCP SDK, then read usage
 * and logs. The screenshots the page shows are taken here (see IMAGES), and the
 * page's REST examples are run exactly as written, so neither can drift from the product.
 */

const DOC = 'docs/getting-started.md';
/**
 * Every run takes the screenshots; `DOCS_SCREENSHOTS=1` puts them where the page shows them (each
 * run names a new workspace, so refreshing the committed images is a deliberate step).
 */
const IMAGES = process.env.DOCS_SCREENSHOTS ? 'docs/images/getting-started' : 'test-results/getting-started';

test.use({ viewport: { width: 1280, height: 800 } });

let upstream: RunningEverythingServer;

test.beforeAll(async () => {
  upstream = await startEverythingServer('streamableHttp');
  await mkdir(IMAGES, { recursive: true });
});
test.afterAll(async () => {
  await upstream?.close();
});

/** A screenshot for the page; `mask` covers values that are shown once (tokens). */
const picture = (page: Page, name: string, mask: Locator[] = []) =>
  page.screenshot({ path: `${IMAGES}/${name}.png`, mask, maskColor: '#1e293b' });

/** The shell blocks between the page's `<!-- e2e:rest:start -->` and `<!-- e2e:rest:end -->`. */
async function restExamples(): Promise<string> {
  const doc = await readFile(DOC, 'utf8');
  const section = /<!-- e2e:rest:start[^>]*-->([\s\S]*?)<!-- e2e:rest:end -->/.exec(doc)?.[1];
  if (!section) throw new Error(`${DOC} has no e2e:rest section`);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks.length).toBeGreaterThan(2);
  return blocks.join('\n');
}

test('the getting-started walkthrough works as written', async ({ page, baseURL }) => {
  test.setTimeout(180_000);
  const account = newAccount('Ada');

  // 1. Sign up, then verify the address through the mailed link.
  await page.goto('/signup');
  await expect(page.getByRole('button', { name: 'Create workspace' })).toBeVisible();
  await picture(page, '01-sign-up');
  await signUp(page, account, { verify: false });
  await expect(page.getByRole('region', { name: 'Email verification' })).toContainText(
    'Verify your email address',
  );
  await picture(page, '02-verify-email');
  await verifyEmail(page, account);
  await expect(page.getByRole('region', { name: 'Email verification' })).toHaveCount(0);

  // 2. Add a server by its URL; Detect finds out how it speaks.
  await workspaceNav(page).getByRole('link', { name: 'Servers' }).click();
  await page.getByRole('button', { name: 'Add server' }).first().click();
  const add = page.getByRole('dialog', { name: 'Add a server' });
  await add.getByLabel('Name').fill('Everything');
  await add.getByLabel('Server URL').fill(upstream.url);
  await add.getByRole('button', { name: 'Detect' }).click();
  await expect(add.getByText('Found: Streamable HTTP, no sign-in needed')).toBeVisible();
  await picture(page, '03-add-server');
  await add.getByRole('button', { name: 'Add server' }).click();
  await expect(add).toBeHidden();

  // 3. Install it: discovery lists its tools.
  await page
    .getByRole('row')
    .filter({ hasText: upstream.url })
    .getByRole('button', { name: 'Install' })
    .click();
  const install = page.getByRole('dialog', { name: 'Install Everything' });
  await install.getByRole('button', { name: 'Install' }).click();
  await expect(install.getByText('Ready')).toBeVisible({ timeout: 30_000 });
  await expect(
    install.getByRole('list', { name: 'Discovered tools' }).getByText('echo', { exact: true }),
  ).toBeVisible();
  await picture(page, '04-install');
  await install.getByRole('button', { name: 'Done' }).click();

  // 4. A gateway with one tool.
  await workspaceNav(page).getByRole('link', { name: 'Gateways' }).click();
  await page.getByRole('button', { name: 'Create gateway' }).first().click();
  const create = page.getByRole('dialog', { name: 'Create a gateway' });
  await create.getByLabel('Name').fill('Dev tools');
  await expect(create.getByLabel('Slug')).toHaveValue('dev-tools');
  await create.getByRole('button', { name: 'Create gateway' }).click();
  await expect(page.getByRole('heading', { name: 'Dev tools', level: 1 })).toBeVisible();
  await page.getByRole('checkbox', { name: 'everything__echo' }).check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText('Clients now see 1 tool')).toBeVisible();
  await picture(page, '05-gateway-tools');

  // 5. The Connect dialog: the gateway URL and each client's configuration.
  await page.getByRole('button', { name: 'Connect' }).click();
  const connect = page.getByRole('dialog', { name: 'Connect a client' });
  const gatewayUrl = (await connect.getByTestId('gateway-url').textContent())!.trim();
  expect(gatewayUrl).toMatch(new RegExp(`/mcp/${account.slug}/dev-tools$`));
  await connect.getByRole('tab', { name: 'Claude Desktop' }).click();
  await expect(connect.getByRole('tabpanel')).toContainText('mcp-remote');
  await picture(page, '06-connect');
  await page.keyboard.press('Escape');

  // 6. A token that calls gateways and uses the REST API (shown once).
  await workspaceNav(page).getByRole('link', { name: 'Tokens' }).click();
  await page.getByRole('button', { name: 'Create token' }).first().click();
  const tokenDialog = page.getByRole('dialog', { name: 'Create a token' });
  await tokenDialog.getByLabel('Token name').fill('Laptop');
  await tokenDialog.getByRole('checkbox', { name: /Use the REST API/ }).check();
  await picture(page, '07-create-token');
  await tokenDialog.getByRole('button', { name: 'Create token' }).click();
  const newToken = tokenDialog.getByTestId('new-token');
  const token = (await newToken.textContent())!.trim();
  expect(token).toMatch(/^tg_/);
  await picture(page, '08-token', [newToken]);
  await tokenDialog.getByRole('button', { name: 'Done' }).click();

  // 7. The MCP TypeScript SDK, as the page shows it.
  const client = new Client({ name: 'my-agent', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(gatewayUrl), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  try {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['everything__echo']);
    const result = await client.callTool({ name: 'everything__echo', arguments: { message: 'hello' } });
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: hello' }]);
  } finally {
    await client.close();
  }

  // 8. The REST examples, run by bash exactly as the page has them.
  const run = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', await restExamples()], {
    env: { ...process.env, TOOLGATE: baseURL, TOKEN: token },
  }).catch((err: { stdout?: string; stderr?: string }) => {
    throw new Error(`the REST examples failed:\n${err.stdout}\n${err.stderr}`);
  });
  expect(run.stdout).toContain('"everything__echo"');
  expect(run.stdout).toContain(`/mcp/${account.slug}/ci`);

  // 9. Usage and logs: the pipeline flushes about every second, so poll with a deadline.
  await page.goto(`/t/${account.slug}/usage?range=1h`);
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(page.getByRole('region', { name: 'Top tools' })).toContainText('everything__echo', {
      timeout: 2_000,
    });
  }).toPass({ timeout: 30_000 });
  await picture(page, '09-usage');
  await workspaceNav(page).getByRole('link', { name: 'Logs' }).click();
  await expect(page.getByRole('heading', { name: 'Logs', level: 1 })).toBeVisible();
  const calls = page.getByRole('table', { name: 'Calls' });
  await expect(calls.getByRole('row').filter({ hasText: 'everything__echo' }).first()).toBeVisible();
  await picture(page, '10-logs');
});
