import { expect, test } from '@playwright/test';
import { newAccount, signUp, workspaceNav } from './steps.ts';

/**
 * A self-hosted server registered as an npm package at an exact version (runners install it without
 * its install scripts), its network chosen, then switched to a command and back.
 */
test('an admin registers a packaged local server, exactly versioned, and switches it to a command', async ({
  page,
}) => {
  await signUp(page, newAccount('Pax'));
  await workspaceNav(page).getByRole('link', { name: 'Servers' }).click();
  await page.getByRole('button', { name: 'Add server' }).first().click();
  const add = page.getByRole('dialog', { name: 'Add a server' });
  await add.getByLabel('Name').fill('Everything (package)');
  await add.getByText('Local command (stdio)').click();
  await add.getByText('npm package', { exact: true }).click();
  await add.getByLabel('Package', { exact: true }).fill('@modelcontextprotocol/server-everything');
  // A range is not a version: what runs must be exact.
  await add.getByLabel('Version', { exact: true }).fill('^2026.8.0');
  await add.getByLabel('Network', { exact: true }).selectOption('egress');
  await add.getByRole('button', { name: 'Add server' }).click();
  await expect(add.getByText('Must be an exact version such as 1.4.2, not a range or a tag')).toBeVisible();
  await add.getByLabel('Version', { exact: true }).fill('2026.8.31');
  await add.getByRole('button', { name: 'Add server' }).click();
  await expect(add).toBeHidden();

  const row = page.getByRole('row').filter({ hasText: 'Everything (package)' });
  await expect(row).toContainText('@modelcontextprotocol/server-everything@2026.8.31 · network');
  await page.reload();
  await expect(row).toContainText('@modelcontextprotocol/server-everything@2026.8.31 · network');

  // The edit form shows what was saved; a command replaces the package.
  await row.getByRole('button', { name: 'Edit Everything (package)' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit Everything (package)' });
  await expect(edit.getByLabel('Package', { exact: true })).toHaveValue(
    '@modelcontextprotocol/server-everything',
  );
  await expect(edit.getByLabel('Version', { exact: true })).toHaveValue('2026.8.31');
  await expect(edit.getByLabel('Network', { exact: true })).toHaveValue('egress');
  await edit.getByText('Command', { exact: true }).click();
  await edit.getByLabel('Command', { exact: true }).fill('node');
  await edit.getByLabel('Network', { exact: true }).selectOption('none');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(edit).toBeHidden();
  await expect(row).toContainText('node');
  await expect(row).not.toContainText('@modelcontextprotocol/server-everything');
  await expect(row).not.toContainText('network');

  // And back to a package: the version must still be exact.
  await row.getByRole('button', { name: 'Edit Everything (package)' }).click();
  await edit.getByText('npm package', { exact: true }).click();
  await edit.getByLabel('Package', { exact: true }).fill('@modelcontextprotocol/server-memory');
  await edit.getByLabel('Version', { exact: true }).fill('');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(edit.getByText('Must be an exact version such as 1.4.2, not a range or a tag')).toBeVisible();
  await edit.getByLabel('Version', { exact: true }).fill('2026.8.31');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(edit).toBeHidden();
  await expect(row).toContainText('@modelcontextprotocol/server-memory@2026.8.31');
});
