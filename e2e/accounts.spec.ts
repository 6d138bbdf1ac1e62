import { expect, test, type Page } from '@playwright/test';
import { newAccount, PASSWORD, shot, signUp, uid } from './steps.ts';

/**
 * Accounts and tenancy through the browser: sign-up, the workspace shell, members, teams,
 * sign-out/in, and isolation between workspaces. Every test makes its own users and workspaces.
 */

const NAV = ['Overview', 'Servers', 'Gateways', 'Tokens', 'Members', 'Teams', 'Settings'];

async function signOut(page: Page, screenshot?: string) {
  await page.getByRole('button', { name: 'Account' }).click();
  if (screenshot) await shot(page, screenshot);
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin\?signedOut=1$/);
}

test('sign up, use the workspace, create a team, sign out and sign in again', async ({ page }) => {
  const account = newAccount('Ada');

  await page.goto('/signup');
  await expect(page.getByRole('heading', { name: 'Create your workspace' })).toBeVisible();
  await shot(page, 'signup');
  await signUp(page, account);

  // The shell: navigation, the workspace in the switcher, the overview.
  const nav = page.getByRole('navigation', { name: 'Workspace' });
  for (const label of NAV) await expect(nav.getByRole('link', { name: label })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Overview' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('button', { name: 'Switch workspace' })).toContainText(account.workspace);
  await expect(page.getByRole('heading', { name: 'Welcome back, Ada' })).toBeVisible();
  await shot(page, 'overview');

  await page.getByRole('button', { name: 'Switch workspace' }).click();
  await expect(page.getByRole('menuitem', { name: /Create workspace/ })).toBeVisible();
  await shot(page, 'tenant-switcher');
  await page.keyboard.press('Escape');

  // Members lists the owner.
  await nav.getByRole('link', { name: 'Members' }).click();
  await expect(page).toHaveURL(`/t/${account.slug}/members`);
  const members = page.getByRole('table', { name: 'members' });
  const owner = members.getByRole('row').filter({ hasText: account.email });
  await expect(owner).toContainText(account.name);
  await expect(owner).toContainText('Owner');
  await expect(owner).toContainText('You');
  await expect(page.getByText('Showing 1–1 of 1 members')).toBeVisible();
  await shot(page, 'members');
  await page.getByRole('searchbox', { name: 'Search members' }).fill('nobody-matches-this');
  await expect(members.getByText('No members match your filters')).toBeVisible();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(owner).toBeVisible();

  // Teams: empty, validation, create.
  // Narrow screens get the same navigation as a bar.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(
    page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'Members' }),
  ).toHaveAttribute('aria-current', 'page');
  await shot(page, 'members-mobile');
  await page.setViewportSize({ width: 1280, height: 720 });

  // Narrow screens get the same navigation as a bar.
  await page.setViewportSize({ width: 390, height: 844 });
  const mobileNav = page.getByRole('navigation', { name: 'Workspace' });
  await expect(mobileNav.getByRole('link', { name: 'Members' })).toHaveAttribute('aria-current', 'page');
  await shot(page, 'members-mobile');
  await page.setViewportSize({ width: 1280, height: 720 });

  await nav.getByRole('link', { name: 'Teams' }).click();
  await expect(page.getByText('No teams yet')).toBeVisible();
  await shot(page, 'teams-empty');
  await page.getByRole('button', { name: 'Create team' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Create a team' });
  await dialog.getByRole('button', { name: 'Create team' }).click();
  await expect(dialog.getByText('Enter a team name')).toBeVisible();
  await dialog.getByLabel('Team name').fill('Platform Engineering');
  await expect(dialog.getByLabel('Slug')).toHaveValue('platform-engineering');
  await shot(page, 'teams-create');
  await dialog.getByRole('button', { name: 'Create team' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status')).toContainText('Team Platform Engineering created.');
  const teams = page.getByRole('table', { name: 'teams' });
  await expect(teams.getByRole('row').filter({ hasText: 'platform-engineering' })).toContainText('0 members');
  await shot(page, 'teams');

  // A duplicate slug is refused with a message on the slug field.
  await page.getByRole('button', { name: 'Create team' }).first().click();
  await dialog.getByLabel('Team name').fill('Platform Engineering');
  await dialog.getByRole('button', { name: 'Create team' }).click();
  await expect(dialog.getByText('A team with this slug already exists')).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // A new workspace: the catalog but nothing installed, no gateways, no tokens (the golden path
  // covers them filled in); settings show the workspace and its audit retention.
  for (const [label, heading, name] of [
    ['Servers', 'Installed servers', 'servers-new'],
    ['Gateways', 'No gateways yet', 'gateways-empty'],
    ['Tokens', 'No tokens yet', 'tokens-empty'],
    ['Settings', 'Audit log', 'settings'],
  ] as const) {
    await nav.getByRole('link', { name: label }).click();
    await expect(page.getByRole('heading', { name: heading })).toBeVisible();
    await shot(page, name);
  }

  await signOut(page, 'user-menu');
  await expect(page.getByText('You have been signed out.')).toBeVisible();
  await page.goto(`/t/${account.slug}/members`);
  await expect(page).toHaveURL(`/signin?callbackUrl=${encodeURIComponent(`/t/${account.slug}`)}`);
  await shot(page, 'signin');

  await page.getByLabel('Email').fill(account.email.toUpperCase());
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(`/t/${account.slug}`);
  await expect(page.getByRole('navigation', { name: 'Workspace' })).toBeVisible();
});

test('a wrong password or unknown email shows an error and signs nobody in', async ({ page, browser }) => {
  const account = newAccount('Grace');
  const other = await browser.newContext();
  await signUp(await other.newPage(), account);
  await other.close();

  await page.goto('/signin');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Enter a valid email address')).toBeVisible();
  await expect(page.getByText('Enter your password')).toBeVisible();

  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  // (Next's route announcer is a role=alert too, empty or announcing the page title.)
  const error = page.getByRole('alert').and(page.locator(':not(#__next-route-announcer__)'));
  await expect(error).toHaveText('Incorrect email or password.');
  await expect(page.getByLabel('Password')).toHaveValue('');
  await expect(page).toHaveURL('/signin');
  await shot(page, 'signin-error');

  await page.getByLabel('Email').fill(`nobody-${uid()}@example.test`);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(error).toHaveText('Incorrect email or password.');

  await page.goto('/t');
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Ft$/);
});

test('sign-up explains what is wrong with each field, and refuses a taken email or URL', async ({
  page,
  browser,
}) => {
  await page.goto('/signup');
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page.getByText('Enter your name')).toBeVisible();
  await expect(page.getByText('Enter a valid email address')).toBeVisible();
  await expect(page.getByText('Use at least 8 characters')).toBeVisible();
  await expect(page.getByText('Enter a workspace name')).toBeVisible();
  await page.getByLabel('Workspace URL').fill('API');
  await page.getByLabel('Workspace URL').blur();
  await expect(page.getByText('This URL is reserved, choose another')).toBeVisible();
  await shot(page, 'signup-validation');

  const taken = newAccount('Alan');
  const other = await browser.newContext();
  await signUp(await other.newPage(), taken);
  await other.close();

  await page.goto('/signup');
  await page.getByLabel('Your name').fill('Someone Else');
  await page.getByLabel('Work email').fill(taken.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Workspace name').fill(taken.workspace);
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page.getByText('An account with this email already exists. Sign in instead')).toBeVisible();
  await expect(page.getByText('This workspace URL is taken, choose another')).toBeVisible();
  await expect(page).toHaveURL('/signup');
  await shot(page, 'signup-taken');
});

test("a second user cannot open the first user's workspace", async ({ page, browser }) => {
  const first = newAccount('Owner');
  const firstContext = await browser.newContext();
  await signUp(await firstContext.newPage(), first);
  await firstContext.close();

  const second = newAccount('Stranger');
  await signUp(page, second);

  for (const path of ['', '/members', '/teams', '/settings']) {
    const response = await page.goto(`/t/${first.slug}${path}`);
    expect(response?.status(), `/t/${first.slug}${path}`).toBe(404);
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
    await expect(page.getByText(first.workspace)).toHaveCount(0);
  }
  await shot(page, 'not-found');

  // The API answers the same way: the tRPC client names the workspace in a header.
  const api = await page.request.get('/api/trpc/members.list', {
    headers: { 'x-toolgate-tenant': first.slug },
  });
  expect(api.status()).toBe(404);
  const own = await page.request.get('/api/trpc/members.list', {
    headers: { 'x-toolgate-tenant': second.slug },
  });
  expect(own.status()).toBe(200);
  expect(JSON.stringify(await own.json())).not.toContain(first.email);

  // The stranger's own workspace is unaffected, and "Go to your workspaces" leads back to it.
  await page.getByRole('link', { name: 'Go to your workspaces' }).click();
  await expect(page).toHaveURL(`/t/${second.slug}`);
});
