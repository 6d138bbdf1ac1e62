import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect, type Page } from '@playwright/test';

/**
 * Steps several specs share: in the browser, and an MCP client of a gateway. Every test still makes
 * its own users and workspaces.
 */

export const PASSWORD = 'correct horse battery staple';

export const uid = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export const shot = (page: Page, name: string) =>
  page.screenshot({ path: `e2e/screenshots/${name}.png`, fullPage: true });

export const workspaceNav = (page: Page) => page.getByRole('navigation', { name: 'Workspace' });

export interface Account {
  name: string;
  email: string;
  workspace: string;
  /** What the sign-up form derives from the workspace name. */
  slug: string;
}

export function newAccount(first: string): Account {
  const id = uid();
  return {
    name: `${first} Tester`,
    email: `${first.toLowerCase()}-${id}@example.test`,
    workspace: `${first} Labs ${id}`,
    slug: `${first.toLowerCase()}-labs-${id}`,
  };
}

/**
 * Signs up with PASSWORD and lands on the new workspace, with the address verified through the
 * mailed link (tokens, installs and invitations need it) unless `verify` is false.
 */
export async function signUp(page: Page, account: Account, { verify = true } = {}): Promise<void> {
  await page.goto('/signup');
  await page.getByLabel('Your name').fill(account.name);
  await page.getByLabel('Work email').fill(account.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Workspace name').fill(account.workspace);
  await expect(page.getByLabel('Workspace URL')).toHaveValue(account.slug);
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page).toHaveURL(`/t/${account.slug}`);
  if (verify) await verifyEmail(page, account);
}

/**
 * Follows the newest verification link mailed to the account and confirms (opening the link alone
 * verifies nothing), then returns to its workspace.
 */
export async function verifyEmail(page: Page, account: Account): Promise<void> {
  await page.goto(await mailedLink(account.email, 'email-verification'));
  await page.getByRole('button', { name: 'Confirm my email address' }).click();
  await expect(page.getByRole('heading', { name: 'Your email address is verified' })).toBeVisible();
  await page.goto(`/t/${account.slug}`);
}

/**
 * No SMTP in the browser tests: the web app writes each email to the outbox directory
 * playwright.config.ts gives it (TOOLGATE_MAIL_OUTBOX_DIR), and specs read links from there.
 */
const OUTBOX = process.env.E2E_MAIL_OUTBOX_DIR;

export interface OutboxMessage {
  kind: 'password-reset' | 'invitation' | 'email-verification';
  to: string;
  link: string;
  sentAt: string;
}

/** Every message in the outbox of this kind to this address, oldest first. */
export async function mailedMessages(to: string, kind: OutboxMessage['kind']): Promise<OutboxMessage[]> {
  if (!OUTBOX) throw new Error('E2E_MAIL_OUTBOX_DIR is not set (playwright.config.ts sets it)');
  const files = (await readdir(OUTBOX).catch(() => [])).filter((f) => f.endsWith('.json'));
  const messages = await Promise.all(
    files.map(async (f) => JSON.parse(await readFile(path.join(OUTBOX, f), 'utf8')) as OutboxMessage),
  );
  return messages
    .filter((m) => m.to === to && m.kind === kind)
    .sort((a, b) => a.sentAt.localeCompare(b.sentAt));
}

/** The newest link of this kind mailed to this address, waiting (with a deadline) for it to arrive. */
export async function mailedLink(to: string, kind: OutboxMessage['kind']): Promise<string> {
  let link: string | undefined;
  await expect
    .poll(async () => (link = (await mailedMessages(to, kind)).at(-1)?.link), {
      message: `a ${kind} email to ${to}`,
      timeout: 15_000,
    })
    .toBeTruthy();
  return link!;
}

/**
 * Adds a server by its URL (detected as Streamable HTTP with no sign-in) and installs it, waiting
 * for discovery.
 */
export async function addServer(page: Page, { name, url }: { name: string; url: string }): Promise<void> {
  await workspaceNav(page).getByRole('link', { name: 'Servers' }).click();
  await page.getByRole('button', { name: 'Add server' }).first().click();
  const add = page.getByRole('dialog', { name: 'Add a server' });
  await add.getByLabel('Name').fill(name);
  await add.getByLabel('Server URL').fill(url);
  await add.getByRole('button', { name: 'Detect' }).click();
  await expect(add.getByText('Found: Streamable HTTP, no sign-in needed')).toBeVisible();
  await add.getByRole('button', { name: 'Add server' }).click();
  await expect(add).toBeHidden();
  await page.getByRole('row').filter({ hasText: url }).getByRole('button', { name: 'Install' }).click();
  const install = page.getByRole('dialog', { name: `Install ${name}` });
  await install.getByRole('button', { name: 'Install' }).click();
  await expect(install.getByText('Ready')).toBeVisible({ timeout: 30_000 });
  await install.getByRole('button', { name: 'Done' }).click();
}

/** Adds server-everything ("Everything") by its URL and installs it, waiting for discovery. */
export const addEverythingServer = (page: Page, url: string) => addServer(page, { name: 'Everything', url });

/** Creates a gateway from the list page and waits for its detail page. */
export async function createGateway(page: Page, name: string): Promise<void> {
  await workspaceNav(page).getByRole('link', { name: 'Gateways' }).click();
  await page.getByRole('button', { name: 'Create gateway' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Create a gateway' });
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByRole('button', { name: 'Create gateway' }).click();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
}

/**
 * Creates the gateway `gateway` exposing the one tool `tool` (of a server installed before) and
 * returns the URL its Connect dialog shows. The gateway's page stays open.
 */
export async function gatewayWithTool(
  page: Page,
  { gateway, tool }: { gateway: string; tool: string },
): Promise<string> {
  await createGateway(page, gateway);
  const tools = page.getByRole('tabpanel', { name: 'Tools' });
  await tools.getByRole('checkbox', { name: tool }).check();
  await tools.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(tools.getByText('Clients now see 1 tool')).toBeVisible();
  await page.getByRole('button', { name: 'Connect' }).click();
  const connect = page.getByRole('dialog', { name: 'Connect a client' });
  const gatewayUrl = (await connect.getByTestId('gateway-url').textContent())!.trim();
  await page.keyboard.press('Escape');
  return gatewayUrl;
}

/** Creates an API token named `name` that may call every gateway; its secret, shown once. */
export async function createToken(page: Page, name: string): Promise<string> {
  await workspaceNav(page).getByRole('link', { name: 'Tokens' }).click();
  await page.getByRole('button', { name: 'Create token' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Create a token' });
  await dialog.getByLabel('Token name').fill(name);
  await dialog.getByRole('button', { name: 'Create token' }).click();
  const token = (await dialog.getByTestId('new-token').textContent())!.trim();
  await dialog.getByRole('button', { name: 'Done' }).click();
  return token;
}

/**
 * What the specs that call a tool through the proxy start from, once the tool's server is
 * installed: the gateway `gateway` exposing `tool` (see gatewayWithTool) and an API token named
 * `tokenName` to call it with. Ends on the Tokens page.
 */
export async function gatewayWithToolAndToken(
  page: Page,
  { gateway, tool, tokenName }: { gateway: string; tool: string; tokenName: string },
): Promise<{ gatewayUrl: string; token: string }> {
  const gatewayUrl = await gatewayWithTool(page, { gateway, tool });
  return { gatewayUrl, token: await createToken(page, tokenName) };
}

/**
 * An MCP client named `clientName`, connected over Streamable HTTP to the gateway at `gatewayUrl`
 * with the API token `token` as its bearer. The caller closes it.
 */
export async function connectWithToken(
  gatewayUrl: string,
  token: string,
  clientName: string,
): Promise<Client> {
  const client = new Client({ name: clientName, version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(gatewayUrl), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}
