import { expect, test, type Page } from '@playwright/test';
import { inviteColleague } from './colleague-steps.ts';
import { createGateway, newAccount, shot, signUp, workspaceNav } from './steps.ts';

/**
 * The workspace on the Settings page: renamed with a new URL (gateway URLs follow), handed over
 * to an invited colleague, and deleted by its owner typing its slug. Every test signs up a
 * workspace of its own.
 */

const openSettings = async (page: Page) => {
  await workspaceNav(page).getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
};

const ownerSection = (page: Page) => page.getByRole('region', { name: 'Ownership and deletion' });

test('renames the workspace and moves it to a new URL; gateway URLs follow', async ({ page }) => {
  const owner = newAccount('Rhea');
  await signUp(page, owner);
  await createGateway(page, 'Moved gateway');
  await openSettings(page);

  const general = page.getByRole('region', { name: 'General' });
  await general.getByLabel('Workspace name').fill('x'.repeat(101));
  await expect(general.getByLabel('Workspace name')).toHaveValue('x'.repeat(100));
  await general.getByLabel('Workspace name').fill('   ');
  await general.getByRole('button', { name: 'Save' }).click();
  await expect(general.getByText('Must not be empty')).toBeVisible();

  const newSlug = `${owner.slug}-moved`;
  await general.getByLabel('Workspace name').fill('Rhea Moved Labs');
  await general.getByLabel('Workspace URL').fill('api');
  await expect(general.getByText('Changing the URL changes every gateway URL')).toBeVisible();
  await general.getByRole('button', { name: 'Save and change URLs' }).click();
  await expect(general.getByText('This URL is reserved, choose another')).toBeVisible();

  await general.getByLabel('Workspace URL').fill(newSlug);
  await expect(general.getByText(`${owner.slug}/…`)).toBeVisible();
  await shot(page, 'workspace-rename');
  await general.getByRole('button', { name: 'Save and change URLs' }).click();
  await expect(page).toHaveURL(`/t/${newSlug}/settings`);
  await expect(page.getByRole('region', { name: 'General' }).getByLabel('Workspace name')).toHaveValue(
    'Rhea Moved Labs',
  );

  // The gateway's URL names the new slug; the old workspace URL is gone.
  await workspaceNav(page).getByRole('link', { name: 'Gateways' }).click();
  await page.getByRole('link', { name: 'Moved gateway' }).first().click();
  await page.getByRole('button', { name: 'Connect' }).click();
  const connect = page.getByRole('dialog', { name: 'Connect a client' });
  const gatewayUrl = (await connect.getByTestId('gateway-url').textContent())!.trim();
  expect(gatewayUrl).toMatch(new RegExp(`/mcp/${newSlug}/moved-gateway$`));
  await page.keyboard.press('Escape');

  await page.goto(`/t/${owner.slug}`);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

test('hands the workspace over to an invited colleague; members only read the settings', async ({
  page,
  browser,
}) => {
  test.setTimeout(90_000);
  const owner = newAccount('Otto');
  await signUp(page, owner);
  const colleague = await inviteColleague(page, browser, owner, 'Nina Colleague');

  // A member reads the settings; nothing is offered that would fail.
  await openSettings(colleague.page);
  await expect(colleague.page.getByText('Owners and admins can rename the workspace')).toBeVisible();
  await expect(colleague.page.getByLabel('Workspace name')).toHaveCount(0);
  await expect(ownerSection(colleague.page)).toHaveCount(0);

  await openSettings(page);
  await ownerSection(page).getByRole('button', { name: 'Transfer ownership' }).click();
  const dialog = page.getByRole('dialog', { name: 'Transfer ownership' });
  await dialog.getByRole('button', { name: 'Transfer ownership' }).click();
  await expect(dialog.getByText('Choose the member who will own the workspace')).toBeVisible();
  await dialog
    .getByLabel('New owner')
    .selectOption({ label: `Nina Colleague (${colleague.email}) · Member` });
  await expect(
    dialog.getByText('Nina Colleague will own the workspace. You will be an admin.'),
  ).toBeVisible();
  await shot(page, 'workspace-transfer');
  await dialog.getByRole('button', { name: 'Transfer ownership' }).click();
  await expect(dialog).toBeHidden();

  // The former owner is an admin: still renames, no longer hands over or deletes.
  await expect(ownerSection(page)).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'General' }).getByLabel('Workspace name')).toBeVisible();

  await colleague.page.reload();
  await expect(ownerSection(colleague.page)).toBeVisible();
  await expect(
    colleague.page.getByRole('region', { name: 'General' }).getByLabel('Workspace name'),
  ).toBeVisible();
  await colleague.close();
});

test('deletes the workspace once its owner types its slug', async ({ page }) => {
  const owner = newAccount('Dora');
  await signUp(page, owner);
  await openSettings(page);

  await ownerSection(page).getByRole('button', { name: 'Delete workspace' }).click();
  const dialog = page.getByRole('dialog', { name: `Delete ${owner.workspace}?` });
  await expect(dialog.getByText('A background job then erases all of its data')).toBeVisible();
  await dialog.getByLabel(`Type ${owner.slug} to confirm`).fill('not-the-slug');
  await dialog.getByRole('button', { name: 'Delete workspace' }).click();
  await expect(dialog.getByText(`Type "${owner.slug}" to confirm`)).toBeVisible();

  await dialog.getByLabel(`Type ${owner.slug} to confirm`).fill(owner.slug);
  await shot(page, 'workspace-delete');
  await dialog.getByRole('button', { name: 'Delete workspace' }).click();
  // No workspace left: the chooser offers to create one.
  await expect(page).toHaveURL('/workspaces/new');

  await page.goto(`/t/${owner.slug}/settings`);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});
