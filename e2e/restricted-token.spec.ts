import { expect, test } from '@playwright/test';
import { createGateway, newAccount, shot, signUp, workspaceNav } from './steps.ts';

/**
 * An API token restricted to chosen gateways: created from the Tokens page, listed with the
 * gateways it may call, and refused by the proxy everywhere else.
 */

const PROXY = `http://127.0.0.1:${process.env.E2E_PROXY_PORT ?? 4310}`;

/** The HTTP status of an MCP initialize sent to a gateway with this bearer token. */
async function initializeStatus(url: string, token: string): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'e2e', version: '1' } },
    }),
  });
  await res.body?.cancel();
  return res.status;
}

test('creates a token that only one gateway accepts', async ({ page }) => {
  const owner = newAccount('Rita');
  await signUp(page, owner);
  await createGateway(page, 'Alpha');
  await createGateway(page, 'Beta');

  await workspaceNav(page).getByRole('link', { name: 'Tokens' }).click();
  await page.getByRole('button', { name: 'Create token' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Create a token' });
  await dialog.getByLabel('Token name').fill('alpha-only');
  await dialog.getByRole('checkbox', { name: /Only these gateways/ }).check();
  // Turned on with nothing picked: said under the list, nothing sent.
  await dialog.getByRole('button', { name: 'Create token' }).click();
  await expect(
    dialog.getByText('Pick at least one gateway, or let the token call all of them'),
  ).toBeVisible();
  const list = dialog.getByRole('list', { name: 'Gateways this token may call' });
  await list.getByRole('checkbox', { name: /Alpha/ }).check();
  await shot(page, 'token-restricted-form');
  await dialog.getByRole('button', { name: 'Create token' }).click();
  const token = (await dialog.getByTestId('new-token').textContent())!.trim();
  await dialog.getByRole('button', { name: 'Done' }).click();

  const row = page.getByRole('table', { name: 'tokens' }).getByRole('row').filter({ hasText: 'alpha-only' });
  await expect(row).toContainText('OnlyAlpha');
  await shot(page, 'tokens-restricted');

  // The proxy takes it on Alpha and refuses it on Beta like an unknown token.
  expect(await initializeStatus(`${PROXY}/mcp/${owner.slug}/alpha`, token)).toBe(200);
  expect(await initializeStatus(`${PROXY}/mcp/${owner.slug}/beta`, token)).toBe(401);
});
