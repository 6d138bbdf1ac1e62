import { expect, test } from '@playwright/test';
import { mailedLink, newAccount, PASSWORD, shot, signUp, uid } from './steps.ts';

/**
 * Invitations and password reset through the browser. No SMTP here: the tests read links from the
 * mail outbox (see mailedLink in steps.ts) — or, for invitations, from the dialog that shows the
 * link once.
 */

test('an owner invites a colleague, who creates an account from the link and joins as a member', async ({
  page,
  browser,
}) => {
  const owner = newAccount('Ada');
  await signUp(page, owner);
  const nav = page.getByRole('navigation', { name: 'Workspace' });
  await nav.getByRole('link', { name: 'Members' }).click();
  await expect(page.getByText('No pending invitations')).toBeVisible();

  // Invite: validation first, then the link shown once.
  const colleagueEmail = `grace-${uid()}@example.test`;
  await page.getByRole('button', { name: 'Invite members' }).first().click();
  const dialog = page.getByRole('dialog', { name: `Invite to ${owner.workspace}` });
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog.getByText('Enter a valid email address')).toBeVisible();
  await dialog.getByLabel('Email address').fill(owner.email);
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog.getByText('This person is already a member of this workspace')).toBeVisible();
  await dialog.getByLabel('Email address').fill(colleagueEmail);
  await expect(dialog.getByLabel('Role')).toHaveValue('member');
  await shot(page, 'invite-dialog');
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog.getByRole('status')).toContainText('No email was sent');
  const link = (await dialog.getByTestId('invite-link').textContent())!.trim();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
  // The same link went to the (logged) email.
  expect(await mailedLink(colleagueEmail, 'invitation')).toBe(link);
  await shot(page, 'invite-link');
  await dialog.getByRole('button', { name: 'Done' }).click();

  const pending = page.getByRole('table', { name: 'invitations' });
  const pendingRow = pending.getByRole('row').filter({ hasText: colleagueEmail });
  await expect(pendingRow).toContainText('Member');
  await expect(pendingRow).toContainText(owner.name);
  await shot(page, 'members-pending');

  // The colleague, in a browser of their own: sees the workspace, signs up with the address locked.
  const colleagueContext = await browser.newContext();
  const colleague = await colleagueContext.newPage();
  await colleague.goto(link);
  await expect(colleague.getByRole('heading', { name: `Join ${owner.workspace}` })).toBeVisible();
  await expect(colleague.getByText(`${owner.name} invited`)).toBeVisible();
  const email = colleague.getByLabel('Work email');
  await expect(email).toHaveValue(colleagueEmail);
  await expect(email).toHaveAttribute('readonly', '');
  await shot(colleague, 'invite-accept');
  await colleague.getByRole('button', { name: `Create account and join ${owner.workspace}` }).click();
  await expect(colleague.getByText('Enter your name')).toBeVisible();
  await colleague.getByLabel('Your name').fill('Grace Colleague');
  await colleague.getByLabel('Password').fill(PASSWORD);
  await colleague.getByRole('button', { name: `Create account and join ${owner.workspace}` }).click();
  await expect(colleague).toHaveURL(`/t/${owner.slug}`);
  await expect(colleague.getByRole('button', { name: 'Switch workspace' })).toContainText(owner.workspace);

  // A member: listed with that role, and offered nothing to manage but leaving.
  await colleague
    .getByRole('navigation', { name: 'Workspace' })
    .getByRole('link', { name: 'Members' })
    .click();
  const colleagueRow = colleague.getByRole('table', { name: 'members' }).getByRole('row').filter({
    hasText: colleagueEmail,
  });
  await expect(colleagueRow).toContainText('Member');
  await expect(colleagueRow).toContainText('You');
  await expect(colleague.getByRole('button', { name: 'Invite members' })).toHaveCount(0);
  await expect(colleague.getByRole('table', { name: 'invitations' })).toHaveCount(0);
  await expect(colleagueRow.getByRole('button', { name: 'Leave' })).toBeVisible();
  await expect(colleague.getByRole('button', { name: /^(Change role of|Remove) / })).toHaveCount(0);

  // The link is spent.
  await colleague.goto(link);
  await expect(
    colleague.getByRole('heading', { name: 'This invitation has already been accepted' }),
  ).toBeVisible();

  // The owner sees the new member and no pending invitation; makes them an admin, then removes them.
  await page.reload();
  const members = page.getByRole('table', { name: 'members' });
  const row = members.getByRole('row').filter({ hasText: colleagueEmail });
  await expect(row).toContainText('Member');
  await expect(page.getByText('No pending invitations')).toBeVisible();
  await row.getByRole('button', { name: 'Change role of Grace Colleague' }).click();
  const roleDialog = page.getByRole('dialog', { name: 'Change role' });
  await roleDialog.getByRole('radio', { name: /^Admin/ }).check();
  await shot(page, 'change-role');
  await roleDialog.getByRole('button', { name: 'Save role' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'Grace Colleague is now an admin.' }),
  ).toBeVisible();
  await expect(row).toContainText('Admin');

  await row.getByRole('button', { name: 'Remove Grace Colleague' }).click();
  await page
    .getByRole('dialog', { name: 'Remove member?' })
    .getByRole('button', { name: 'Remove member' })
    .click();
  await expect(page.getByRole('status').filter({ hasText: 'Grace Colleague was removed' })).toBeVisible();
  await expect(row).toHaveCount(0);

  const gone = await colleague.goto(`/t/${owner.slug}/members`);
  expect(gone?.status()).toBe(404);
  await colleagueContext.close();
});

test('a signed-in user with another address is told whose invitation it is', async ({ page, browser }) => {
  const owner = newAccount('Alan');
  const ownerContext = await browser.newContext();
  const ownerPage = await ownerContext.newPage();
  await signUp(ownerPage, owner);
  await ownerPage.goto(`/t/${owner.slug}/members`);
  const invitee = `joan-${uid()}@example.test`;
  await ownerPage.getByRole('button', { name: 'Invite members' }).first().click();
  const dialog = ownerPage.getByRole('dialog', { name: `Invite to ${owner.workspace}` });
  await dialog.getByLabel('Email address').fill(invitee);
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  const link = (await dialog.getByTestId('invite-link').textContent())!.trim();
  await ownerContext.close();

  const stranger = newAccount('Mallory');
  await signUp(page, stranger);
  await page.goto(link);
  await expect(page.getByRole('alert').filter({ hasText: 'This invitation is for' })).toContainText(
    `This invitation is for ${invitee}, but you are signed in as ${stranger.email}.`,
  );
  await expect(page.getByRole('button', { name: /Accept/ })).toHaveCount(0);
  await shot(page, 'invite-wrong-account');

  // A link that never existed gets a clear page, not an error.
  await page.goto('/invite/not-a-real-invitation-token');
  await expect(page.getByRole('heading', { name: 'This invitation link does not work' })).toBeVisible();
});

test('forgot password: the emailed link sets a new password, the old one stops working', async ({
  page,
  browser,
}) => {
  const account = newAccount('Hedy');
  // Another browser stays signed in (say, a stolen session) while the password is reset.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signUp(otherPage, account);

  await page.goto('/signin');
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await expect(page).toHaveURL('/forgot-password');
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByText('Enter a valid email address')).toBeVisible();
  await page.getByLabel('Email').fill(account.email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByRole('status')).toContainText(`If an account exists for ${account.email}`);
  await shot(page, 'forgot-password-sent');

  // An unknown address gets the very same answer.
  await page.getByRole('button', { name: 'Use another address' }).click();
  const nobody = `nobody-${uid()}@example.test`;
  await page.getByLabel('Email').fill(nobody);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByRole('status')).toContainText(`If an account exists for ${nobody}`);

  const link = await mailedLink(account.email, 'password-reset');
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  await expect(page.getByText(account.email)).toBeVisible();
  const newPassword = 'a completely new passphrase';
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Confirm new password').fill('something else entirely');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByText('The two passwords do not match')).toBeVisible();
  await page.getByLabel('Confirm new password').fill(newPassword);
  await shot(page, 'reset-password');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page).toHaveURL('/signin?passwordReset=1');
  await expect(page.getByRole('status')).toContainText('Your password has been changed');

  // The old password is refused, the new one works.
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Incorrect email or password.' })).toBeVisible();
  await page.getByLabel('Password').fill(newPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(`/t/${account.slug}`);

  // The session signed in before the reset is over; the one signed in after it is not.
  await otherPage.goto(`/t/${account.slug}`);
  await expect(otherPage).toHaveURL(/\/signin\?callbackUrl=/);
  await other.close();
  await page.goto(`/t/${account.slug}`);
  await expect(page).toHaveURL(`/t/${account.slug}`);

  // The link worked once.
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'This link has already been used' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Request a new link' })).toBeVisible();
});
