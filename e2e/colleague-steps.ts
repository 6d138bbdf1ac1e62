import { expect, type Browser, type Page } from '@playwright/test';
import { PASSWORD, uid, workspaceNav, type Account } from './steps.ts';

/** Steps for specs with a second person in the workspace. */

/** Invites a colleague with the dialog's link and signs them up in a browser of their own. */
export async function inviteColleague(page: Page, browser: Browser, owner: Account, name: string) {
  const email = `${name.split(' ')[0]!.toLowerCase()}-${uid()}@example.test`;
  await workspaceNav(page).getByRole('link', { name: 'Members' }).click();
  await page.getByRole('button', { name: 'Invite members' }).first().click();
  const dialog = page.getByRole('dialog', { name: `Invite to ${owner.workspace}` });
  await dialog.getByLabel('Email address').fill(email);
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  const link = (await dialog.getByTestId('invite-link').textContent())!.trim();
  await dialog.getByRole('button', { name: 'Done' }).click();

  const context = await browser.newContext();
  const colleague = await context.newPage();
  await colleague.goto(link);
  await colleague.getByLabel('Your name').fill(name);
  await colleague.getByLabel('Password').fill(PASSWORD);
  await colleague.getByRole('button', { name: `Create account and join ${owner.workspace}` }).click();
  await expect(colleague).toHaveURL(`/t/${owner.slug}`);
  return { email, page: colleague, close: () => context.close() };
}

/** Creates a team from the Teams page and opens it. */
export async function createAndOpenTeam(page: Page, name: string): Promise<void> {
  await workspaceNav(page).getByRole('link', { name: 'Teams' }).click();
  await page.getByRole('button', { name: 'Create team' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Create a team' });
  await dialog.getByLabel('Team name').fill(name);
  await dialog.getByRole('button', { name: 'Create team' }).click();
  await expect(page.getByRole('status')).toContainText(`Team ${name} created.`);
  await page.getByRole('table', { name: 'teams' }).getByRole('link', { name, exact: true }).click();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
}
