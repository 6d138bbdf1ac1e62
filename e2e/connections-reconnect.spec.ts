import { expect, test, type Page } from '@playwright/test';
import { startOAuthUpstream, type OAuthUpstream } from '../packages/fixtures/src/oauth-upstream.ts';
import { createAndOpenTeam, inviteColleague } from './colleague-steps.ts';
import { newAccount, shot, signUp, uid, workspaceNav } from './steps.ts';

/**
 * Connected accounts in the browser, past the first connect: an account whose access the user
 * withdrew at the server shows "Reconnect needed" and is reconnected through the server's consent
 * page; an admin connects the organization's and a team's account, which a plain member sees but
 * may not disconnect. The server is a real oidc-provider with its own login and consent pages.
 */

let upstream: OAuthUpstream;

test.beforeAll(async () => {
  // Tokens live 10 s: the worker refreshes a token past half its life (and within its five-minute
  // look-ahead), so from 5 s after a connect each sweep (every 2 s in these tests) refreshes it,
  // and a refresh the server refuses shows within seconds.
  upstream = await startOAuthUpstream({ accessTokenTtlSeconds: 10 });
});
test.afterAll(async () => {
  await upstream?.close();
});

const SERVER = 'Notes';

/** Adds the fixture as a custom server (as connections.spec.ts does: the issuer left to discovery). */
async function addNotesServer(page: Page): Promise<void> {
  await workspaceNav(page).getByRole('link', { name: 'Servers' }).click();
  await page.getByRole('button', { name: 'Add server' }).first().click();
  const add = page.getByRole('dialog', { name: 'Add a server' });
  await add.getByLabel('Name').fill(SERVER);
  await add.getByLabel('Server URL').fill(upstream.mcpUrl);
  await add.getByRole('button', { name: 'Detect' }).click();
  await expect(add.getByText(`Found: Streamable HTTP, OAuth via ${upstream.issuer}`)).toBeVisible();
  await add.getByLabel('Authorization server').clear();
  await add.getByRole('button', { name: 'Add server' }).click();
  await expect(add).toBeHidden();
}

/** Signs in at the upstream's login page; its consent page follows, naming the account. */
async function signInUpstream(page: Page, username: string): Promise<void> {
  await expect(page).toHaveURL((url) => url.origin === upstream.issuer);
  await page.locator('#username').fill(username);
  await page.locator('#login').click();
  await expect(page.locator('#account')).toHaveText(username);
}

/** Back on Connected accounts from the callback; returns the connection the callback saved. */
async function backFromCallback(page: Page, slug: string): Promise<string> {
  await expect(page).toHaveURL(new RegExp(`/t/${slug}/connections\\?connected=`), { timeout: 15_000 });
  return new URL(page.url()).searchParams.get('connected')!;
}

const accountsTable = (page: Page) => page.getByRole('table', { name: 'connected accounts' });

test('an account whose access was withdrawn at the server shows Reconnect needed, and Reconnect makes it active again', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const account = newAccount('Rhea');
  await signUp(page, account);
  await addNotesServer(page);

  await workspaceNav(page).getByRole('link', { name: 'Connected accounts' }).click();
  await page.getByRole('button', { name: `Connect an account at ${SERVER}` }).click();
  const username = `rhea-${uid()}`;
  await signInUpstream(page, username);
  await page.locator('#approve').click();
  const connectionId = await backFromCallback(page, account.slug);
  const row = accountsTable(page).getByRole('row').filter({ hasText: SERVER });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Active');

  // The user removes Toolgate's access in their account at the server: every token stops working.
  expect(await upstream.revokeAccount(username)).toBe(1);
  // The worker's next refresh is refused: the page says so after a reload (sweeps run every 2 s here).
  await expect(async () => {
    await page.reload();
    await expect(row).toContainText('Reconnect needed', { timeout: 2_000 });
  }).toPass({ timeout: 75_000 });
  await expect(row).toContainText('The server refused to refresh the token');
  // The callback's "connected" no longer holds, though the address still says ?connected=.
  await expect(page.getByRole('status').filter({ hasText: 'Connected your account' })).toHaveCount(0);

  // Where the proxy sends a caller whose account must be reconnected.
  const connectRow = page.getByRole('listitem').filter({ hasText: upstream.mcpUrl });
  const entryId = await connectRow.getAttribute('data-entry-id');
  await page.goto(`/t/${account.slug}/connections?connect=${entryId}`);
  await expect(
    page.getByText(`Your account at ${SERVER} must be connected again to use its tools.`),
  ).toBeVisible();
  await expect(connectRow).toHaveAttribute('data-highlighted', 'true');
  await expect(connectRow).toContainText('Your account must be reconnected');
  await expect(connectRow).not.toContainText('You are connected');
  const reconnect = row.getByRole('button', { name: `Reconnect ${SERVER} (You)` });
  await expect(reconnect).toBeVisible();
  await shot(page, 'connections-reconnect-needed');

  const tokensBefore = upstream.seen.tokens.length;
  await reconnect.click();
  // Still signed in at the server: only its consent page asks again.
  await expect(page).toHaveURL((url) => url.origin === upstream.issuer);
  await expect(page.locator('#account')).toHaveText(username);
  await page.locator('#approve').click();

  // The same connection, active again, and no second one.
  expect(await backFromCallback(page, account.slug)).toBe(connectionId);
  await expect(
    page.getByRole('status').filter({ hasText: `Connected your account at ${SERVER}` }),
  ).toBeVisible();
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Active');
  await expect(row).not.toContainText('Reconnect needed');
  // Toolgate called the server with the new token (discovery, as that account).
  await expect
    .poll(() => upstream.seen.tokens.slice(tokensBefore).some((t) => t.sub === username))
    .toBe(true);
  await page.reload();
  await expect(row).toContainText('Active');
  await expect(connectRow).toContainText('You are connected');
  await expect(connectRow).not.toContainText('must be reconnected');
  await shot(page, 'connections-reconnected');
});

test("an admin connects the organization's and a team's account; a member sees both and may not disconnect the organization's", async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000);
  const owner = newAccount('Orla');
  await signUp(page, owner);
  const member = await inviteColleague(page, browser, owner, 'Milo Member');
  await createAndOpenTeam(page, 'Design');
  await page.getByRole('button', { name: 'Add member' }).first().click();
  const addToTeam = page.getByRole('dialog', { name: 'Add to Design' });
  await addToTeam
    .getByLabel('Member', { exact: true })
    .selectOption({ label: `Milo Member (${member.email})` });
  await addToTeam.getByRole('button', { name: 'Add to team' }).click();
  await expect(page.getByRole('status')).toContainText('Milo Member joined Design as a member.');
  await addNotesServer(page);

  // The organization's account, a service account at the server.
  await workspaceNav(page).getByRole('link', { name: 'Connected accounts' }).click();
  const whose = page.getByLabel(`Whose account at ${SERVER}`);
  await whose.selectOption({ label: "The organization's account" });
  await page.getByRole('button', { name: `Connect an account at ${SERVER}` }).click();
  await signInUpstream(page, `org-bot-${uid()}`);
  await page.locator('#approve').click();
  const orgConnectionId = await backFromCallback(page, owner.slug);
  await expect(
    page.getByRole('status').filter({ hasText: `Connected the organization's account at ${SERVER}` }),
  ).toBeVisible();

  // The team's account, as another account at the server: signed out there first, so it asks who.
  await page.context().clearCookies({ name: /^_(session|interaction)/ });
  await whose.selectOption({ label: "Team Design's account" });
  await page.getByRole('button', { name: `Connect an account at ${SERVER}` }).click();
  await signInUpstream(page, `design-bot-${uid()}`);
  await page.locator('#approve').click();
  await backFromCallback(page, owner.slug);
  await expect(
    page.getByRole('status').filter({ hasText: `Connected the Design team's account at ${SERVER}` }),
  ).toBeVisible();

  const table = accountsTable(page);
  const orgRow = table.getByRole('row').filter({ hasText: 'Organization' });
  const teamRow = table.getByRole('row').filter({ hasText: 'Team: Design' });
  await expect(table.getByRole('row').filter({ hasText: SERVER })).toHaveCount(2);
  await expect(orgRow).toContainText('Active');
  await expect(teamRow).toContainText('Active');
  await expect(orgRow.getByRole('button', { name: `Disconnect ${SERVER} (Organization)` })).toBeVisible();
  await shot(page, 'connections-org-and-team');

  // The member sees both (theirs through the organization and their team), and may change neither.
  const theirs = member.page;
  await theirs.goto(`/t/${owner.slug}/connections`);
  const theirTable = accountsTable(theirs);
  const theirOrgRow = theirTable.getByRole('row').filter({ hasText: 'Organization' });
  const theirTeamRow = theirTable.getByRole('row').filter({ hasText: 'Team: Design' });
  await expect(theirOrgRow).toContainText(SERVER);
  await expect(theirOrgRow).toContainText('Active');
  await expect(theirTeamRow).toContainText(SERVER);
  await expect(theirOrgRow.getByRole('button')).toHaveCount(0);
  await expect(theirTeamRow.getByRole('button')).toHaveCount(0);
  // Only their own account is theirs to connect.
  await expect(theirs.getByLabel(`Whose account at ${SERVER}`)).toHaveCount(0);
  await shot(theirs, 'connections-member-view');

  // Asking the API directly does not disconnect it either.
  const refused = await theirs.request.post('/api/trpc/connections.remove', {
    headers: { 'x-toolgate-tenant': owner.slug, 'content-type': 'application/json' },
    data: { json: { id: orgConnectionId } },
  });
  expect(refused.status()).toBe(403);
  await theirs.reload();
  await expect(theirOrgRow).toContainText('Active');
  await member.close();
  await page.reload();
  await expect(orgRow).toContainText('Active');
});
