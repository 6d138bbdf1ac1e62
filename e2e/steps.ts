import { expect, type Page } from '@playwright/test';

/** Browser steps several specs share. Every test still makes its own users and workspaces. */

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

/** Signs up with PASSWORD and lands on the new workspace. */
export async function signUp(page: Page, account: Account): Promise<void> {
  await page.goto('/signup');
  await page.getByLabel('Your name').fill(account.name);
  await page.getByLabel('Work email').fill(account.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Workspace name').fill(account.workspace);
  await expect(page.getByLabel('Workspace URL')).toHaveValue(account.slug);
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page).toHaveURL(`/t/${account.slug}`);
}

/** Adds server-everything ("Everything") by its URL and installs it, waiting for discovery. */
export async function addEverythingServer(page: Page, url: string): Promise<void> {
  await workspaceNav(page).getByRole('link', { name: 'Servers' }).click();
  await page.getByRole('button', { name: 'Add server' }).first().click();
  const add = page.getByRole('dialog', { name: 'Add a server' });
  await add.getByLabel('Name').fill('Everything');
  await add.getByLabel('Server URL').fill(url);
  await add.getByRole('button', { name: 'Detect' }).click();
  await expect(add.getByText('Found: Streamable HTTP, no sign-in needed')).toBeVisible();
  await add.getByRole('button', { name: 'Add server' }).click();
  await expect(add).toBeHidden();
  await page.getByRole('row').filter({ hasText: url }).getByRole('button', { name: 'Install' }).click();
  const install = page.getByRole('dialog', { name: 'Install Everything' });
  await install.getByRole('button', { name: 'Install' }).click();
  await expect(install.getByText('Ready')).toBeVisible({ timeout: 30_000 });
  await install.getByRole('button', { name: 'Done' }).click();
}

/** Creates a gateway from the list page and waits for its detail page. */
export async function createGateway(page: Page, name: string): Promise<void> {
  await workspaceNav(page).getByRole('link', { name: 'Gateways' }).click();
  await page.getByRole('button', { name: 'Create gateway' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Create a gateway' });
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByRole('button', { name: 'Create gateway' }).click();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
}
