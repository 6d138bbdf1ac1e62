import { expect, test } from '@playwright/test';
import { newAccount, shot, signUp, workspaceNav } from './steps.ts';

/**
 * Billing with the local Stripe-compatible server (playwright.config.ts starts it, and gives the
 * web app STRIPE_* and a plans document where `team` has a price): the owner upgrades through
 * Checkout, comes back to the Billing page on the new plan (set by the webhook Stripe sends), then
 * cancels in the Customer Portal and is back on the default plan.
 */

const STRIPE_URL = process.env.E2E_STRIPE_URL!;
/** The webhook lands before the local server redirects; the page polls for it all the same. */
const WEBHOOK_DEADLINE_MS = 30_000;

test('an owner upgrades through Stripe Checkout and cancels in the Customer Portal', async ({ page }) => {
  const owner = newAccount('Bill');
  await signUp(page, owner);

  await workspaceNav(page).getByRole('link', { name: 'Billing' }).click();
  await expect(page).toHaveURL(`/t/${owner.slug}/billing`);
  await expect(page.getByTestId('billing-plan')).toHaveText('Free');
  await expect(page.getByText('No subscription')).toBeVisible();
  const team = page.getByTestId('billing-plan-team');
  await expect(team).toContainText('$29.00 / month');
  await expect(page.getByRole('button', { name: 'Manage billing' })).toHaveCount(0);
  await shot(page, 'billing-free');

  await team.getByRole('button', { name: 'Upgrade to Team' }).click();
  await expect(page).toHaveURL(new RegExp(`^${STRIPE_URL}/c/pay/`));
  await expect(page.getByRole('heading', { name: 'Toolgate Team: $29.00 per month' })).toBeVisible();
  await page.getByRole('button', { name: 'Pay and subscribe' }).click();

  await expect(page).toHaveURL(`/t/${owner.slug}/billing?checkout=done`);
  await expect(page.getByTestId('billing-plan')).toHaveText('Team', { timeout: WEBHOOK_DEADLINE_MS });
  await expect(page.getByTestId('billing-status')).toHaveText('Active');
  await expect(page.getByText('Payment received: your subscription is active.')).toBeVisible();
  await expect(team.getByText('Current plan')).toBeVisible();
  await expect(team.getByRole('button', { name: 'Upgrade to Team' })).toHaveCount(0);
  const invoices = page.getByRole('table', { name: 'invoices' });
  await expect(invoices.getByRole('row').filter({ hasText: '$29.00' })).toContainText('paid');
  await expect(invoices.getByRole('link', { name: 'View' })).toHaveAttribute(
    'href',
    new RegExp(`^${STRIPE_URL}/i/`),
  );
  await shot(page, 'billing-team');

  await page.getByRole('button', { name: 'Manage billing' }).click();
  await expect(page).toHaveURL(new RegExp(`^${STRIPE_URL}/p/session/`));
  await expect(page.getByText('Status: active')).toBeVisible();
  await page.getByRole('button', { name: 'Cancel subscription' }).click();
  await expect(page.getByText('Status: canceled')).toBeVisible();
  await page.getByRole('link', { name: 'Return' }).click();

  await expect(page).toHaveURL(`/t/${owner.slug}/billing`);
  await expect(page.getByTestId('billing-plan')).toHaveText('Free', { timeout: WEBHOOK_DEADLINE_MS });
  await expect(page.getByTestId('billing-status')).toHaveText('Canceled');
  await expect(team.getByRole('button', { name: 'Upgrade to Team' })).toBeVisible();
});

test('the Billing page and its link are the owner’s alone', async ({ page, browser }) => {
  const owner = newAccount('Olive');
  await signUp(page, owner);
  await expect(workspaceNav(page).getByRole('link', { name: 'Billing' })).toBeVisible();
  await page.goto(`/t/${owner.slug}/settings`);
  await page.getByRole('link', { name: 'Change the plan on the Billing page' }).click();
  await expect(page).toHaveURL(`/t/${owner.slug}/billing`);

  // Another workspace's owner reaches no page of this one.
  const other = newAccount('Oscar');
  const context = await browser.newContext();
  const otherPage = await context.newPage();
  await signUp(otherPage, other);
  const answer = await otherPage.goto(`/t/${owner.slug}/billing`);
  expect(answer?.status()).toBe(404);
  await context.close();
});
