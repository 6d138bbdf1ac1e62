import { expect, test, type Page } from '@playwright/test';
import { inviteColleague } from './colleague-steps.ts';
import { createGateway, newAccount, shot, signUp, workspaceNav } from './steps.ts';

/**
 * Teams through the browser: members added to a team (on the team page and on the members page),
 * their team role changed, removed again; a team renamed, and deleted with what uses it detached.
 * Every test signs up a workspace of its own.
 */

async function createTeam(page: Page, name: string) {
  await workspaceNav(page).getByRole('link', { name: 'Teams' }).click();
  await page.getByRole('button', { name: 'Create team' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Create a team' });
  await dialog.getByLabel('Team name').fill(name);
  await dialog.getByRole('button', { name: 'Create team' }).click();
  await expect(page.getByRole('status')).toContainText(`Team ${name} created.`);
}

async function openTeam(page: Page, name: string) {
  await workspaceNav(page).getByRole('link', { name: 'Teams' }).click();
  await page.getByRole('table', { name: 'teams' }).getByRole('link', { name, exact: true }).click();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
}

test('adds a colleague to a team, makes them a maintainer, and takes them out again', async ({
  page,
  browser,
}) => {
  test.setTimeout(90_000);
  const owner = newAccount('Tess');
  await signUp(page, owner);
  const colleague = await inviteColleague(page, browser, owner, 'Grace Colleague');
  await createTeam(page, 'Data');
  await createTeam(page, 'Platform');

  // The team page: add the colleague as a member.
  await openTeam(page, 'Platform');
  await expect(page.getByText('No one in this team yet')).toBeVisible();
  await page.getByRole('button', { name: 'Add member' }).first().click();
  const add = page.getByRole('dialog', { name: 'Add to Platform' });
  await add.getByRole('button', { name: 'Add to team' }).click();
  await expect(add.getByText('Choose who to add')).toBeVisible();
  await add
    .getByLabel('Member', { exact: true })
    .selectOption({ label: `Grace Colleague (${colleague.email})` });
  await shot(page, 'team-add-member');
  await add.getByRole('button', { name: 'Add to team' }).click();
  await expect(page.getByRole('status')).toContainText('Grace Colleague joined Platform as a member.');
  const members = page.getByRole('table', { name: 'team members' });
  const row = members.getByRole('row').filter({ hasText: colleague.email });
  const teamRole = row.getByRole('combobox', { name: 'Team role of Grace Colleague' });
  await expect(teamRole).toHaveValue('member');

  // Maintainer: saved, and still so after a reload.
  await Promise.all([
    page.waitForResponse((r) => r.url().includes('teams.changeMemberRole') && r.ok()),
    teamRole.selectOption('maintainer'),
  ]);
  await page.reload();
  await expect(teamRole).toHaveValue('maintainer');
  await shot(page, 'team-detail');

  // The colleague sees the teams they are in, and only those.
  await colleague.page.goto(`/t/${owner.slug}/teams`);
  const theirTeams = colleague.page.getByRole('table', { name: 'teams' });
  await expect(theirTeams.getByRole('link', { name: 'Platform' })).toBeVisible();
  await expect(theirTeams.getByText('Data', { exact: true })).toHaveCount(0);
  await colleague.close();

  // The members page shows each member's teams; an admin takes them out and puts them back.
  await workspaceNav(page).getByRole('link', { name: 'Members' }).click();
  const memberRow = page.getByRole('table', { name: 'members' }).getByRole('row').filter({
    hasText: colleague.email,
  });
  const teams = memberRow.getByRole('list', { name: 'Teams of Grace Colleague' });
  await expect(teams.getByRole('listitem').filter({ hasText: 'Platform' })).toContainText('maintainer');
  await shot(page, 'members-teams');
  await teams.getByRole('button', { name: 'Remove Grace Colleague from Platform' }).click();
  await page
    .getByRole('dialog', { name: 'Remove from the team?' })
    .getByRole('button', { name: 'Remove from team' })
    .click();
  await expect(page.getByRole('status')).toContainText('Grace Colleague left Platform.');
  await expect(teams.getByRole('link')).toHaveCount(0);
  await teams.getByRole('button', { name: 'Add Grace Colleague to a team' }).click();
  const addToTeam = page.getByRole('dialog', { name: 'Add to a team' });
  await addToTeam.getByLabel('Team', { exact: true }).selectOption({ label: 'Data' });
  await shot(page, 'member-add-to-team');
  await addToTeam.getByRole('button', { name: 'Add to team' }).click();
  await expect(page.getByRole('status')).toContainText('Grace Colleague joined Data.');
  await expect(teams.getByRole('link', { name: 'Data' })).toBeVisible();

  // On the team page: renamed, and the member removed.
  await openTeam(page, 'Data');
  await page.getByRole('button', { name: 'Rename' }).click();
  const rename = page.getByRole('dialog', { name: 'Rename team' });
  await rename.getByLabel('Team name').fill('Data Science');
  await rename.getByRole('button', { name: 'Rename team' }).click();
  await expect(page.getByRole('heading', { name: 'Data Science', level: 1 })).toBeVisible();
  await page
    .getByRole('table', { name: 'team members' })
    .getByRole('button', { name: 'Remove Grace Colleague from the team' })
    .click();
  await page
    .getByRole('dialog', { name: 'Remove from the team?' })
    .getByRole('button', { name: 'Remove from team' })
    .click();
  await expect(page.getByRole('status')).toContainText('Grace Colleague was removed from Data Science.');
  await expect(page.getByText('No one in this team yet')).toBeVisible();
});

test('deleting a team names what uses it, detaches it, and refuses to strand a gateway', async ({ page }) => {
  const owner = newAccount('Dora');
  await signUp(page, owner);
  await createTeam(page, 'Support');
  await createTeam(page, 'Ops');

  // A team token for Support, and a gateway shared with Ops only.
  await workspaceNav(page).getByRole('link', { name: 'Tokens' }).click();
  await page.getByRole('button', { name: 'Create token' }).first().click();
  const create = page.getByRole('dialog', { name: 'Create a token' });
  await create.getByLabel('Token name').fill('support-bot');
  await create.getByLabel('Scope', { exact: true }).selectOption('team');
  await create.getByLabel('Team', { exact: true }).selectOption({ label: 'Support' });
  await create.getByRole('button', { name: 'Create token' }).click();
  await create.getByRole('button', { name: 'Done' }).click();
  await createGateway(page, 'Ops desk');
  await page.getByRole('tab', { name: 'Settings' }).click();
  const settings = page.getByRole('tabpanel', { name: 'Settings' });
  await settings.getByRole('radio', { name: 'Selected teams only' }).check();
  await settings.getByRole('checkbox', { name: 'Ops', exact: true }).check();
  await settings.getByRole('button', { name: 'Save settings' }).click();
  await expect(settings.getByText('Settings saved.')).toBeVisible();

  // Support: in use by its token; "Detach and delete" deletes the token with it.
  await openTeam(page, 'Support');
  await page.getByRole('button', { name: 'Delete team' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete Support?' });
  await dialog.getByRole('button', { name: 'Delete team' }).click();
  await expect(dialog.getByText('Support is still in use.')).toBeVisible();
  await expect(dialog).toContainText('1 team API token: support-bot');
  await shot(page, 'team-delete-in-use');
  await dialog.getByRole('button', { name: 'Detach and delete' }).click();
  await expect(page).toHaveURL(`/t/${owner.slug}/teams`);
  await expect(page.getByRole('table', { name: 'teams' }).getByRole('link', { name: 'Support' })).toHaveCount(
    0,
  );

  // Ops: its gateway would be shared with nobody, so detaching is refused and not offered again.
  await openTeam(page, 'Ops');
  await page.getByRole('button', { name: 'Delete team' }).click();
  const ops = page.getByRole('dialog', { name: 'Delete Ops?' });
  await ops.getByRole('button', { name: 'Delete team' }).click();
  await expect(ops).toContainText('Shared with gateway Ops desk');
  await ops.getByRole('button', { name: 'Detach and delete' }).click();
  await expect(ops.getByRole('alert')).toContainText('is shared with this team only');
  await expect(ops.getByRole('link', { name: 'Ops desk' })).toBeVisible();
  await expect(ops.getByRole('button', { name: /delete/i })).toHaveCount(0);
  await shot(page, 'team-delete-last-team');
});
