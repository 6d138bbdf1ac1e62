import { expect, test } from '@playwright/test';
import { eq } from 'drizzle-orm';
import { createApprovalRequest } from '../packages/api/src/services/approvals/index.ts';
import type { DbHandle } from '../packages/db/src/client.ts';
import { users } from '../packages/db/src/schema/index.ts';
import { seedGateway } from '../packages/db/src/testing/factories.ts';
import { inviteColleague } from './colleague-steps.ts';
import { databaseOf } from './embedded-db.ts';
import { newAccount, shot, signUp, workspaceNav } from './steps.ts';

/**
 * The Approvals inbox. A held call is stored by the proxy when a require_approval policy names the
 * admins; here the spec stores it through the same service, in the database of the `toolgate
 * start` under test (playwright.config.ts gives it a data directory under the system's temporary
 * directory; its embedded Postgres listens on the port its marker file names).
 */

/** A call of `callerEmail` held for the workspace's admins, as the proxy stores it. */
async function holdCall(
  handle: DbHandle,
  tenantId: string,
  gatewayId: string,
  callerEmail: string,
  call: { tool: string; args: Record<string, unknown> },
) {
  const [caller] = await handle.db.select({ id: users.id }).from(users).where(eq(users.email, callerEmail));
  return createApprovalRequest({
    db: handle.db,
    tenantId,
    gatewayId,
    policy: {
      id: null,
      name: 'Outgoing mail needs a human',
      message: 'A person checks every message sent outside the company.',
      approvers: { kind: 'admins' },
    },
    toolName: call.tool,
    args: call.args,
    principalId: `user:${caller!.id}`,
    callerLabel: callerEmail,
    agent: 'Claude Desktop',
  });
}

test('an admin approves a held call from the inbox with a note; a member sees their requests without deciding', async ({
  page,
  browser,
}) => {
  const owner = newAccount('Ada');
  await signUp(page, owner);
  const colleague = await inviteColleague(page, browser, owner, 'Grace Hopper');
  const { handle, tenantId } = await databaseOf(owner.slug);
  try {
    const gateway = await seedGateway(handle.db, tenantId, { name: 'Assistants' });
    const secret = 'sk-live-4f9c2a7e1b3d5f6a8c0e2b4d6f8a0c1e';
    const held = await holdCall(handle, tenantId, gateway.id, colleague.email, {
      tool: 'mail__send_email',
      args: { to: 'board@partner.example', subject: 'Q3 numbers', apiKey: secret },
    });

    // The owner: the badge counts it, the inbox shows it.
    await page.reload();
    const nav = workspaceNav(page);
    await expect(nav.getByRole('link', { name: 'Approvals 1 waiting' })).toBeVisible();
    await nav.getByRole('link', { name: /^Approvals/ }).click();
    await expect(page.getByRole('heading', { name: 'Approvals', level: 1 })).toBeVisible();
    const table = page.getByRole('table', { name: 'approval requests' });
    const row = table.getByRole('row').filter({ hasText: 'mail__send_email' });
    await expect(row).toContainText('on Assistants');
    await expect(row).toContainText(colleague.email);
    await expect(row).toContainText('via Claude Desktop');
    await expect(row).toContainText('Outgoing mail needs a human');
    await expect(row).toContainText('A person checks every message sent outside the company.');
    await expect(row).toContainText('just now');
    await expect(row).toContainText('Pending');
    await row.getByText('Show 3 arguments').click();
    await expect(row.locator('pre')).toContainText('board@partner.example');
    await expect(row.locator('pre')).toContainText('[redacted]');
    await expect(row.locator('pre')).not.toContainText(secret);
    await shot(page, 'approvals-inbox');

    await row.getByRole('button', { name: 'Approve mail__send_email' }).click();
    const dialog = page.getByRole('dialog', { name: 'Approve this call?' });
    await expect(dialog).toContainText(`called by ${colleague.email} through Claude Desktop`);
    await dialog.getByLabel('Note (optional)').fill('Checked with finance');
    await shot(page, 'approvals-decide');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('status')).toContainText('Approved the call of mail__send_email');
    await expect(page.getByText('Nothing waits for approval')).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Approvals', exact: true })).toBeVisible();

    await page.getByRole('button', { name: 'All requests' }).click();
    const decided = table.getByRole('row').filter({ hasText: 'mail__send_email' });
    await expect(decided).toContainText('Approved');
    await expect(decided).toContainText(`by ${owner.name}`);
    await expect(decided).toContainText('“Checked with finance”');
    await expect(decided.getByRole('button', { name: /^(Approve|Deny)/ })).toHaveCount(0);
    await shot(page, 'approvals-approved');

    // The member whose calls they are: reads them, decides none.
    await holdCall(handle, tenantId, gateway.id, colleague.email, {
      tool: 'files__delete',
      args: { path: '/reports/2023' },
    });
    const member = colleague.page;
    await member.goto(`/t/${owner.slug}/approvals`);
    const mine = member.getByRole('table', { name: 'approval requests' });
    const pending = mine.getByRole('row').filter({ hasText: 'files__delete' });
    await expect(pending).toContainText('Pending');
    await expect(member.getByRole('button', { name: /^Approve/ })).toHaveCount(0);
    await expect(member.getByRole('button', { name: /^Deny/ })).toHaveCount(0);
    await expect(workspaceNav(member).getByRole('link', { name: 'Approvals', exact: true })).toBeVisible();
    await member.getByRole('button', { name: 'All requests' }).click();
    await expect(mine.getByRole('row').filter({ hasText: 'mail__send_email' })).toContainText('Approved');
    await shot(member, 'approvals-member-view');
    expect(held.created).toBe(true);
  } finally {
    await colleague.close();
    await handle.close();
  }
});
