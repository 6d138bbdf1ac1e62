import { expect, test } from '@playwright/test';
import { mailedLink, mailedMessages, newAccount, shot, signUp, workspaceNav } from './steps.ts';

/**
 * Email verification through the browser: a new account looks around but cannot create a token
 * until it opens the link mailed to it (read from the mail outbox; see steps.ts) and confirms.
 * playwright.config.ts sets TOOLGATE_EMAIL_VERIFICATION=required: without SMTP it would be off.
 */

test('a new account confirms its address from the mailed link, then creates a token', async ({
  page,
  request,
}) => {
  const account = newAccount('Vera');
  await signUp(page, account, { verify: false });

  // The banner says what is missing and why.
  const banner = page.getByRole('region', { name: 'Email verification' });
  await expect(banner).toContainText('Verify your email address');
  await expect(banner).toContainText(account.email);
  await expect(banner).toContainText('not create API tokens, install servers or invite people');
  await shot(page, 'email-verification-banner');

  // Creating a token is refused with the reason.
  await workspaceNav(page).getByRole('link', { name: 'Tokens' }).click();
  await page.getByRole('button', { name: 'Create token' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Create a token' });
  await dialog.getByLabel('Token name').fill('laptop');
  await dialog.getByRole('button', { name: 'Create token' }).click();
  await expect(dialog.getByRole('alert')).toContainText(
    'Verify your email address before creating API tokens',
  );
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // A new link once; asking again at once is refused, saying why.
  const sentBefore = (await mailedMessages(account.email, 'email-verification')).length;
  await banner.getByRole('button', { name: 'Resend verification email' }).click();
  await expect(banner.getByRole('status')).toContainText(`the new link for ${account.email}`);
  await expect
    .poll(async () => (await mailedMessages(account.email, 'email-verification')).length)
    .toBe(sentBefore + 1);
  await banner.getByRole('button', { name: 'Resend verification email' }).click();
  await expect(banner.getByRole('status')).toContainText('Wait a minute before asking again');
  expect((await mailedMessages(account.email, 'email-verification')).length).toBe(sentBefore + 1);

  // Opening the link verifies nothing (mail scanners open links as the message arrives): a
  // scanner's request, then the owner's visit, leave the account unverified.
  const link = await mailedLink(account.email, 'email-verification');
  const scanned = await request.get(link);
  expect(scanned.status()).toBe(200);
  expect(await scanned.text()).toContain('Confirm my email address');
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Confirm your email address' })).toBeVisible();
  await expect(page.getByText(account.email)).toBeVisible();
  await shot(page, 'email-verification-confirm');
  await page.goto(`/t/${account.slug}`);
  await expect(banner).toContainText('Verify your email address');

  // The button verifies the address and says so; a used link says that too.
  await page.goto(link);
  await page.getByRole('button', { name: 'Confirm my email address' }).click();
  await expect(page.getByRole('heading', { name: 'Your email address is verified' })).toBeVisible();
  await expect(page.getByText(account.email)).toBeVisible();
  await shot(page, 'email-verified');
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'This link has already been used' })).toBeVisible();
  await expect(page.getByText('your email address is verified')).toBeVisible();

  // Back in the workspace: no banner, and the token is created.
  await page.getByRole('link', { name: 'Go to your workspace' }).click();
  await expect(page).toHaveURL(`/t/${account.slug}`);
  await expect(page.getByRole('region', { name: 'Email verification' })).toHaveCount(0);
  await workspaceNav(page).getByRole('link', { name: 'Tokens' }).click();
  await page.getByRole('button', { name: 'Create token' }).first().click();
  await dialog.getByLabel('Token name').fill('laptop');
  await dialog.getByRole('button', { name: 'Create token' }).click();
  await expect(dialog.getByTestId('new-token')).toHaveText(/^\s*tg_/);
});

test('a link that does not work says so', async ({ page }) => {
  await page.goto('/verify-email/not-a-real-token');
  await expect(page.getByRole('heading', { name: 'This link does not work' })).toBeVisible();
  await expect(page.getByText('This verification link is not valid.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
});

test('a link used in another tab meanwhile says so when confirmed', async ({ page, context }) => {
  const account = newAccount('Otto');
  await signUp(page, account, { verify: false });
  const link = await mailedLink(account.email, 'email-verification');
  await page.goto(link);
  const other = await context.newPage();
  await other.goto(link);
  await other.getByRole('button', { name: 'Confirm my email address' }).click();
  await expect(other.getByRole('heading', { name: 'Your email address is verified' })).toBeVisible();

  await page.getByRole('button', { name: 'Confirm my email address' }).click();
  await expect(page.getByRole('heading', { name: 'This link has already been used' })).toBeVisible();
  await expect(page.getByText('your email address is verified')).toBeVisible();
});
