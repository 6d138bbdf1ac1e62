import { expect, test, type Page } from '@playwright/test';
import { startHeaderEchoServer } from '../apps/proxy/src/testing/header-echo-server.ts';
import { createGateway, newAccount, shot, signUp, workspaceNav } from './steps.ts';

/**
 * Installations through the browser: a second install of a server needs a name of its own, an
 * installation is renamed and its credential rotated (the upstream sees the new one), and "Check
 * now" shows what the server answers — Ready, then Unreachable once it is gone.
 */

let echo: Awaited<ReturnType<typeof startHeaderEchoServer>> | undefined;

test.beforeEach(async () => {
  echo = await startHeaderEchoServer();
});
test.afterEach(async () => {
  await echo?.close();
  echo = undefined;
});

/** The X-Api-Key of the last request the echo server saw. */
const lastApiKey = () => echo?.requests.at(-1)?.headers['x-api-key'];

/** Adds a server by URL with header auth (X-Api-Key, the value as it is). */
async function addServer(page: Page, name: string, url: string) {
  await workspaceNav(page).getByRole('link', { name: 'Servers' }).click();
  await page.getByRole('button', { name: 'Add server' }).first().click();
  const add = page.getByRole('dialog', { name: 'Add a server' });
  await add.getByLabel('Name').fill(name);
  await add.getByLabel('Server URL').fill(url);
  await add.getByLabel('Authentication').selectOption('header');
  await add.getByLabel('Header name').fill('X-Api-Key');
  // The key goes as it is, without the default "Bearer " in front.
  await add.getByLabel('Value prefix').fill('');
  await add.getByRole('button', { name: 'Add server' }).click();
  await expect(add).toBeHidden();
}

/** Opens the install dialog of the server at `url` and installs it for the organization. */
async function install(page: Page, entry: string, url: string, key: string, name?: string) {
  await page.getByRole('row').filter({ hasText: url }).getByRole('button', { name: 'Install' }).click();
  const dialog = page.getByRole('dialog', { name: `Install ${entry}` });
  if (name) await dialog.getByLabel('Name').fill(name);
  await dialog.getByLabel('Token').fill(key);
  await dialog.getByRole('button', { name: 'Install' }).click();
  return dialog;
}

/** Adds the echo server and installs it with `key`. */
async function addAndInstallEcho(page: Page, url: string, key: string) {
  await addServer(page, 'Echo', url);
  const dialog = await install(page, 'Echo', url, key);
  await expect(dialog.getByText('Ready')).toBeVisible();
  await dialog.getByRole('button', { name: 'Done' }).click();
}

test('a second install needs its own name; an installation is renamed and its credential rotated', async ({
  page,
}) => {
  const { url } = echo!;
  await signUp(page, newAccount('Ivy'));
  await addAndInstallEcho(page, url, 'first-secret');
  expect(lastApiKey()).toBe('first-secret');

  // The same server again, for the same scope: the name is taken, said under the Name field.
  const again = await install(page, 'Echo', url, 'staging-secret');
  await expect(again.getByText('"Echo" is taken by another installation of Echo here')).toBeVisible();
  await expect(again.getByLabel('Name')).toBeFocused();
  await shot(page, 'install-name-taken');
  await again.getByLabel('Name').fill('Echo staging');
  await again.getByRole('button', { name: 'Install' }).click();
  await expect(again.getByText('Ready')).toBeVisible();
  await again.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('listitem', { name: 'Installation Echo staging' })).toBeVisible();

  // Edit the first: the secret is never shown, a new value replaces it.
  await page
    .getByRole('listitem', { name: 'Installation Echo', exact: true })
    .getByRole('link', { name: 'Echo', exact: true })
    .click();
  await expect(page.getByRole('heading', { name: 'Echo', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'Edit' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit Echo' });
  const token = edit.getByLabel('Token');
  await expect(token).toHaveValue('');
  await expect(edit.getByText('Stored — enter a new value to replace it.')).toBeVisible();
  await expect(edit.getByRole('button', { name: 'Save changes' })).toBeDisabled();
  await edit.getByLabel('Name').fill('Echo production');
  await token.fill('second-secret');
  await shot(page, 'installation-edit');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status')).toContainText('Echo production now uses the new credentials');
  await expect(page.getByRole('heading', { name: 'Echo production', level: 1 })).toBeVisible();

  // The upstream sees the new credential on the next check.
  await page.getByRole('button', { name: 'Check Echo production now' }).click();
  const health = page.getByRole('group', { name: 'Health of Echo production' });
  await expect(health.getByText('checked just now')).toBeVisible();
  await expect(health.getByText('Ready')).toBeVisible();
  // "checked just now" may still be the install's own check: wait for the probe itself.
  await expect.poll(() => lastApiKey()).toBe('second-secret');
  await shot(page, 'installation-detail');
});

test('"Check now" shows a server that stopped answering, and the tool picker says why it offers nothing', async ({
  page,
}) => {
  const { url } = echo!;
  await signUp(page, newAccount('Hal'));
  await addAndInstallEcho(page, url, 'a-key');
  const card = page.getByRole('listitem', { name: 'Installation Echo' });
  const health = card.getByRole('group', { name: 'Health of Echo' });
  await expect(health.getByText('Ready')).toBeVisible();

  await echo!.close();
  echo = undefined;
  await card.getByRole('button', { name: 'Check Echo now' }).click();
  await expect(health.getByText('Unreachable')).toBeVisible();
  await expect(health.getByText('checked just now')).toBeVisible();
  await expect(health.locator('p').first()).toHaveText(/\S/);
  await shot(page, 'installation-unreachable');

  // A server installed while down has no tools: the picker lists it as unavailable, with why.
  const goneUrl = url.replace(/\/mcp$/, '/gone');
  await addServer(page, 'Gone', goneUrl);
  const gone = await install(page, 'Gone', goneUrl, 'a-key');
  await expect(gone.getByText('Unreachable')).toBeVisible();
  await gone.getByRole('button', { name: 'Done' }).click();
  await createGateway(page, 'Desk');
  const tools = page.getByRole('tabpanel', { name: 'Tools' });
  await expect(tools.getByRole('list', { name: 'Unavailable servers' })).toContainText('Gone');
  await expect(tools.getByRole('group', { name: 'Gone' })).toHaveCount(0);
  // Echo's tools were discovered before it went down: still pickable, with a warning.
  await expect(tools.getByRole('group', { name: 'Echo' })).toContainText('calls through it may fail');
  await shot(page, 'gateway-tools-unavailable');
});
