import { expect, test } from '@playwright/test';
import { startEverythingServer, type RunningEverythingServer } from '../packages/fixtures/src/everything.ts';
import { addEverythingServer, newAccount, shot, signUp, workspaceNav } from './steps.ts';

/**
 * Per-tool call limits in the browser: on an installation's page an admin sets a limit on one
 * tool (a bad value is refused under the field), sees it listed as "60/min" after a reload, and
 * removes it again.
 */

let upstream: RunningEverythingServer;

test.beforeAll(async () => {
  upstream = await startEverythingServer('streamableHttp');
});
test.afterAll(async () => {
  await upstream?.close();
});

test('an admin sets a call limit on a tool, sees it listed, and removes it', async ({ page }) => {
  // Sign-up, adding a server and its discovery come first, each a few seconds on a loaded machine.
  test.setTimeout(120_000);
  await signUp(page, newAccount('Lena'));
  await addEverythingServer(page, upstream.url);
  await workspaceNav(page).getByRole('link', { name: 'Servers' }).click();
  await page.getByRole('link', { name: 'Manage Everything' }).click();
  await expect(page.getByRole('heading', { name: 'Everything', level: 1 })).toBeVisible();

  const edit = page.getByRole('button', { name: 'Change the call limit of echo' });
  const row = page.getByRole('row').filter({ has: edit });
  const limitCell = row.getByRole('cell').filter({ has: edit });
  await expect(limitCell).toHaveText('—');

  await edit.click();
  const form = page.getByRole('form', { name: 'Call limit of echo' });
  const input = form.getByLabel('Calls per minute');
  await input.fill('2,000,000');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByRole('alert')).toHaveText(
    'Must be a whole number from 1 to 1,000,000, or empty for none',
  );
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  await input.fill('60');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form).toBeHidden();
  await expect(limitCell).toContainText('60/min');
  await expect(limitCell.getByRole('status')).toHaveText('Saved');
  await shot(page, 'tool-limit');

  // Stored, not just shown: a reload lists it, and other tools have none.
  await page.reload();
  await expect(limitCell).toHaveText('60/min');
  const other = page.getByRole('row').filter({
    has: page.getByRole('button', { name: 'Change the call limit of get-sum' }),
  });
  await expect(other).toContainText('—');

  await edit.click();
  await expect(input).toHaveValue('60');
  await form.getByRole('button', { name: 'Remove the limit' }).click();
  await expect(form).toBeHidden();
  await expect(limitCell).toContainText('—');
  await page.reload();
  await expect(limitCell).toHaveText('—');
});
