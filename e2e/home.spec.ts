import { expect, test } from '@playwright/test';

test('the landing page renders with styles and links to sign-up', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveTitle('Toolgate');
  const heading = page.getByRole('heading', { level: 1 });
  await expect(heading).toHaveText('One governed endpoint for all your MCP servers.');
  await expect(page.getByRole('link', { name: 'Create a workspace' })).toHaveAttribute('href', '/signup');
  // Tailwind is compiled in: the call-to-action has a coloured background, not the default.
  const background = await page
    .getByRole('link', { name: 'Create a workspace' })
    .evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(background).not.toBe('rgba(0, 0, 0, 0)');
  await page.screenshot({ path: 'e2e/screenshots/home.png', fullPage: true });
});

test('health endpoints answer through the same server', async ({ request }) => {
  const health = await request.get('/healthz');
  expect(health.status()).toBe(200);
  expect(await health.json()).toEqual({ status: 'ok' });
  const ready = await request.get('/readyz');
  expect(ready.status()).toBe(200);
  expect(await ready.json()).toMatchObject({ ready: true });
});
