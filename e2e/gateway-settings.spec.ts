import { expect, test, type Page } from '@playwright/test';
import { startEverythingServer, type RunningEverythingServer } from '../packages/fixtures/src/everything.ts';
import { addEverythingServer, createGateway, shot, signUp, uid, workspaceNav } from './steps.ts';

/**
 * Gateway administration through the browser: every setting survives a reload, a name
 * collision is shown (and blocks saving) before anything is sent, and deleting asks for the slug.
 * Every test signs up a workspace of its own.
 */

/** Signs up a new workspace and returns its slug. */
async function signUpWorkspace(page: Page, first: string): Promise<string> {
  const id = uid();
  const slug = `${first.toLowerCase()}-gw-${id}`;
  await signUp(page, {
    name: `${first} Tester`,
    email: `${first.toLowerCase()}-${id}@example.test`,
    workspace: `${first} GW ${id}`,
    slug,
  });
  return slug;
}

async function createTeam(page: Page, name: string) {
  await workspaceNav(page).getByRole('link', { name: 'Teams' }).click();
  await page.getByRole('button', { name: 'Create team' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Create a team' });
  await dialog.getByLabel('Team name').fill(name);
  await dialog.getByRole('button', { name: 'Create team' }).click();
  await expect(page.getByRole('status')).toContainText(`Team ${name} created.`);
}

test('edits every gateway setting and keeps them after a reload', async ({ page }) => {
  const tenant = await signUpWorkspace(page, 'Sam');
  await createTeam(page, 'Platform');
  await createGateway(page, 'Settings test');

  await page.getByRole('tab', { name: 'Settings' }).click();
  const settings = page.getByRole('tabpanel', { name: 'Settings' });
  const save = settings.getByRole('button', { name: 'Save settings' });
  await expect(save).toBeDisabled();

  await settings.getByLabel('Name', { exact: true }).fill('Platform tools');
  await settings.getByLabel('Description').fill('Tools for the platform team');
  await settings.getByLabel('Slug').fill('platform-tools');
  // A new slug is a new URL: the form says so before saving.
  await expect(settings.getByRole('note')).toContainText(`/mcp/${tenant}/platform-tools`);
  await expect(settings.getByRole('note')).toContainText('stop working');

  // Teams visibility without a team, and no auth method: named under their fields.
  await settings.getByRole('radio', { name: 'Selected teams only' }).check();
  await settings.getByRole('checkbox', { name: 'API tokens' }).uncheck();
  await settings.getByRole('checkbox', { name: 'OAuth (MCP clients sign in)' }).uncheck();
  await save.click();
  await expect(settings.getByText('A gateway visible to teams needs at least one team')).toBeVisible();
  await expect(settings.getByText('A gateway needs at least one client authentication method')).toBeVisible();
  await settings.getByRole('checkbox', { name: 'Platform', exact: true }).check();
  await settings.getByRole('checkbox', { name: 'API tokens' }).check();
  await settings.getByRole('radio', { name: 'Load tools when needed' }).check();

  // The header allow-list refuses credentials and takes header names, lower-cased.
  const header = settings.getByRole('textbox', { name: 'Forwarded headers' });
  await header.fill('Authorization');
  await settings.getByRole('button', { name: 'Add header' }).click();
  await expect(settings.getByText('is never forwarded upstream')).toBeVisible();
  await header.fill('X-Request-Id');
  await header.press('Enter');
  await expect(settings.getByRole('list', { name: 'Forwarded headers' })).toContainText('x-request-id');

  await save.click();
  await expect(settings.getByText('Settings saved.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Platform tools', level: 1 })).toBeVisible();
  await shot(page, 'gateway-settings');

  await page.reload();
  await expect(page.getByRole('heading', { name: 'Platform tools', level: 1 })).toBeVisible();
  // The header shows the new URL (the settings panel's slug hint, hidden for now, has it too).
  await expect(page.getByText(`/mcp/${tenant}/platform-tools`).first()).toBeVisible();
  await page.getByRole('tab', { name: 'Settings' }).click();
  const reloaded = page.getByRole('tabpanel', { name: 'Settings' });
  await expect(reloaded.getByLabel('Name', { exact: true })).toHaveValue('Platform tools');
  await expect(reloaded.getByLabel('Slug')).toHaveValue('platform-tools');
  await expect(reloaded.getByLabel('Description')).toHaveValue('Tools for the platform team');
  await expect(reloaded.getByRole('radio', { name: 'Selected teams only' })).toBeChecked();
  await expect(reloaded.getByRole('checkbox', { name: 'Platform', exact: true })).toBeChecked();
  await expect(reloaded.getByRole('checkbox', { name: 'API tokens' })).toBeChecked();
  await expect(reloaded.getByRole('checkbox', { name: 'OAuth (MCP clients sign in)' })).not.toBeChecked();
  await expect(reloaded.getByRole('radio', { name: 'Load tools when needed' })).toBeChecked();
  await expect(reloaded.getByRole('list', { name: 'Forwarded headers' })).toContainText('x-request-id');
  await expect(reloaded.getByRole('button', { name: 'Save settings' })).toBeDisabled();

  // The list shows the renamed gateway with its new visibility.
  await workspaceNav(page).getByRole('link', { name: 'Gateways' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'Platform tools' })).toContainText('Teams');
});

test.describe('with a server that has tools', () => {
  let upstream: RunningEverythingServer;

  test.beforeAll(async () => {
    upstream = await startEverythingServer('streamableHttp');
  });
  test.afterAll(async () => {
    await upstream?.close();
  });

  test('shows a name collision before saving and blocks the save', async ({ page }) => {
    test.setTimeout(120_000);
    await signUpWorkspace(page, 'Cole');
    await addEverythingServer(page, upstream.url);
    await createGateway(page, 'Collisions');
    const tools = page.getByRole('tabpanel', { name: 'Tools' });
    const save = tools.getByRole('button', { name: 'Save', exact: true });
    await tools.getByRole('checkbox', { name: 'everything__echo' }).check();
    await tools.getByRole('checkbox', { name: 'everything__get-sum' }).check();
    // Each picked tool can be pinned or resolved at call time; the default resolves at call time.
    await expect(tools.getByRole('combobox', { name: 'Installation for everything__echo' })).toHaveValue('');
    await expect(save).toBeEnabled();

    await tools.getByRole('textbox', { name: 'Alias for everything__echo' }).fill('same');
    await tools.getByRole('textbox', { name: 'Alias for everything__get-sum' }).fill('same');
    await expect(tools.getByText('“same” is also the name of everything/get-sum')).toBeVisible();
    await expect(tools.getByText('“same” is also the name of everything/echo')).toBeVisible();
    await expect(tools.getByText('2 tools would share a name — fix them to save.')).toBeVisible();
    await expect(save).toBeDisabled();
    await shot(page, 'gateway-collision');

    // Renaming one clears the collision; saving reports what clients see.
    await tools.getByRole('textbox', { name: 'Alias for everything__get-sum' }).fill('sum');
    await expect(tools.getByText('is also the name of')).toHaveCount(0);
    await expect(save).toBeEnabled();
    await save.click();
    await expect(tools.getByText('Clients now see 2 tools')).toContainText('same, sum');

    await page.reload();
    const again = page.getByRole('tabpanel', { name: 'Tools' });
    await expect(again.getByRole('textbox', { name: 'Alias for everything__echo' })).toHaveValue('same');
    await expect(again.getByRole('textbox', { name: 'Alias for everything__get-sum' })).toHaveValue('sum');
  });
});

test('deletes a gateway after the slug is typed, and returns to the list', async ({ page }) => {
  const tenant = await signUpWorkspace(page, 'Dee');
  await createGateway(page, 'Doomed');

  await page.getByRole('tab', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Delete gateway' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete gateway?' });
  const confirm = dialog.getByRole('button', { name: 'Delete gateway' });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel('Type doomed to confirm').fill('doome');
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel('Type doomed to confirm').fill('doomed');
  await expect(confirm).toBeEnabled();
  await shot(page, 'gateway-delete');
  await confirm.click();

  await expect(page).toHaveURL(`/t/${tenant}/gateways`);
  await expect(page.getByText('No gateways yet')).toBeVisible();
});
