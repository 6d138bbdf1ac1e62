import { expect, test } from '@playwright/test';
import { startEverythingServer, type RunningEverythingServer } from '../packages/fixtures/src/everything.ts';
import { addEverythingServer, newAccount, shot, signUp } from './steps.ts';

/**
 * A workspace's own registry entries are edited and deleted from the servers page: a new slug is
 * warned about (it renames the tools), an installed server cannot be deleted and the page says
 * which installation holds it; catalog entries offer neither.
 */

let upstream: RunningEverythingServer;

test.beforeAll(async () => {
  upstream = await startEverythingServer('streamableHttp');
});
test.afterAll(async () => {
  await upstream?.close();
});

test('an admin edits a custom server, is told what uses it, and deletes it once it is free', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await signUp(page, newAccount('Rhea'));
  await addEverythingServer(page, upstream.url);
  const row = page.getByRole('row').filter({ hasText: upstream.url });

  // Catalog entries are read-only: Install, but no Edit or Delete.
  const catalogRow = page.getByRole('row').filter({ hasText: 'DeepWiki' });
  await expect(catalogRow.getByText('Catalog')).toBeVisible();
  await expect(catalogRow.getByRole('button', { name: 'Install' })).toBeVisible();
  await expect(catalogRow.getByRole('button', { name: /Edit|Delete/ })).toHaveCount(0);

  // Name and description; an empty name is refused with a sentence under the field.
  await row.getByRole('button', { name: 'Edit Everything' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit Everything' });
  const name = edit.getByLabel('Name', { exact: true });
  await expect(name).toHaveValue('Everything');
  await expect(name).toHaveAttribute('maxlength', '100');
  await name.fill('');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(edit.getByText('Must not be empty')).toBeVisible();
  await expect(name).toBeFocused();
  await name.fill('Everything (staging)');
  await edit.getByLabel('Description').fill('The reference server, for trying gateways out');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(edit).toBeHidden();
  await expect(row).toContainText('Everything (staging)');
  await expect(row).toContainText('The reference server, for trying gateways out');
  await page.reload();
  await expect(row).toContainText('Everything (staging)');
  await expect(row).toContainText('The reference server, for trying gateways out');

  // A new slug renames the tools clients see: the dialog says so before saving.
  await row.getByRole('button', { name: 'Edit Everything (staging)' }).click();
  const rename = page.getByRole('dialog', { name: 'Edit Everything (staging)' });
  await expect(rename.getByRole('status')).toHaveCount(0);
  await rename.getByLabel('Slug').fill('everything-staging');
  const warning = rename.getByRole('status');
  await expect(warning).toContainText("Changing the slug renames this server's tools on every gateway");
  await expect(warning).toContainText('everything__<tool> becomes everything-staging__<tool>');
  await shot(page, 'registry-edit-slug');
  await rename.getByRole('button', { name: 'Save and rename tools' }).click();
  await expect(rename).toBeHidden();
  const card = page.getByRole('listitem', { name: 'Installation Everything' });
  await expect(card.getByText('everything-staging', { exact: true })).toBeVisible();

  // Installed: deleting is refused, naming the installation, with the way out.
  await row.getByRole('button', { name: 'Delete Everything (staging)' }).click();
  const remove = page.getByRole('dialog', { name: 'Delete Everything (staging)?' });
  await remove.getByRole('button', { name: 'Delete server' }).click();
  const refusal = remove.getByRole('alert');
  await expect(refusal).toContainText('Everything (staging) is still installed');
  await expect(refusal).toContainText('Remove this installation first');
  const using = refusal.getByRole('list', { name: 'Installations using it' });
  await expect(using.getByRole('listitem')).toHaveCount(1);
  await expect(using).toContainText('Everything (organization)');
  await expect(remove.getByRole('button', { name: 'Delete server' })).toHaveCount(0);
  await shot(page, 'registry-delete-in-use');

  // Remove the installation (its page is linked from the refusal), then the server goes.
  await using.getByRole('link', { name: 'Everything', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Everything', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const removeInstallation = page.getByRole('dialog', { name: 'Delete Everything?' });
  await removeInstallation.getByRole('button', { name: 'Delete installation' }).click();
  await expect(page.getByRole('heading', { name: 'Servers', level: 1 })).toBeVisible();
  await expect(page.getByRole('listitem', { name: 'Installation Everything' })).toHaveCount(0);

  await row.getByRole('button', { name: 'Delete Everything (staging)' }).click();
  await remove.getByRole('button', { name: 'Delete server' }).click();
  await expect(remove).toBeHidden();
  await expect(page.getByRole('row').filter({ hasText: upstream.url })).toHaveCount(0);
  await expect(page.getByRole('row').filter({ hasText: 'DeepWiki' })).toBeVisible();
});
