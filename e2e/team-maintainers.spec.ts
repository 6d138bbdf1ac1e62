import { expect, test } from '@playwright/test';
import { createAndOpenTeam, inviteColleague } from './colleague-steps.ts';
import { newAccount, shot, signUp, workspaceNav } from './steps.ts';

/**
 * A team's maintainer creates and revokes the team's API tokens from the Tokens page, for the
 * teams they maintain only; a plain member is offered personal tokens only.
 */
test("a maintainer creates and revokes their team's tokens; a plain member cannot", async ({
  page,
  browser,
}) => {
  test.setTimeout(90_000);
  const owner = newAccount('Mara');
  await signUp(page, owner);
  const maintainer = await inviteColleague(page, browser, owner, 'Milo Maintainer');
  const member = await inviteColleague(page, browser, owner, 'Pia Plain');
  await createAndOpenTeam(page, 'Other');
  await createAndOpenTeam(page, 'Ops');
  for (const [who, role] of [
    [`Milo Maintainer (${maintainer.email})`, /^Maintainer/],
    [`Pia Plain (${member.email})`, /^Member/],
  ] as const) {
    await page.getByRole('button', { name: 'Add member' }).first().click();
    const add = page.getByRole('dialog', { name: 'Add to Ops' });
    await add.getByLabel('Member', { exact: true }).selectOption({ label: who });
    await add.getByRole('radio', { name: role }).check();
    await add.getByRole('button', { name: 'Add to team' }).click();
    await expect(add).toBeHidden();
  }

  // The maintainer: team tokens for Ops (and no other team), no organization tokens.
  const m = maintainer.page;
  await workspaceNav(m).getByRole('link', { name: 'Tokens' }).click();
  await m.getByRole('button', { name: 'Create token' }).first().click();
  const create = m.getByRole('dialog', { name: 'Create a token' });
  const scope = create.getByLabel('Scope', { exact: true });
  await expect(scope.getByRole('option')).toHaveText(['Personal — acts as you', 'Team — acts for one team']);
  await scope.selectOption('team');
  await expect(create.getByLabel('Team', { exact: true }).getByRole('option')).toHaveText([
    'Choose a team',
    'Ops',
  ]);
  await create.getByLabel('Team', { exact: true }).selectOption({ label: 'Ops' });
  await create.getByLabel('Token name').fill('ops bot');
  await shot(m, 'maintainer-team-token');
  await create.getByRole('button', { name: 'Create token' }).click();
  await expect(create.getByTestId('new-token')).toBeVisible();
  await create.getByRole('button', { name: 'Done' }).click();
  const row = m.getByRole('table', { name: 'tokens' }).getByRole('row').filter({ hasText: 'ops bot' });
  await expect(row).toContainText('Ops');

  // The plain member of Ops sees neither the team's token nor a way to make one.
  const p = member.page;
  await workspaceNav(p).getByRole('link', { name: 'Tokens' }).click();
  await expect(p.getByRole('row').filter({ hasText: 'ops bot' })).toHaveCount(0);
  await p.getByRole('button', { name: 'Create token' }).first().click();
  await expect(
    p
      .getByRole('dialog', { name: 'Create a token' })
      .getByLabel('Scope', { exact: true })
      .getByRole('option'),
  ).toHaveText(['Personal — acts as you']);

  // The maintainer revokes the team's token.
  await row.getByRole('button', { name: 'Revoke ops bot' }).click();
  await m
    .getByRole('dialog', { name: 'Revoke token?' })
    .getByRole('button', { name: 'Revoke token' })
    .click();
  await expect(row).toContainText('Revoked');
  await maintainer.close();
  await member.close();
});
