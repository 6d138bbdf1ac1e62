import { expect, test } from '@playwright/test';
import { createApprovalRequest } from '../packages/api/src/services/approvals/index.ts';
import { startWebhookReceiver } from '../packages/api/src/testing/webhook-receiver.ts';
import { seedGateway } from '../packages/db/src/testing/factories.ts';
import { inviteColleague } from './colleague-steps.ts';
import { databaseOf } from './embedded-db.ts';
import { newAccount, shot, signUp, workspaceNav } from './steps.ts';

/**
 * The approval webhook on the Settings page, end to end: the owner points it at an endpoint on
 * this machine (the server under test allows private upstreams, as in development), keeps the
 * secret shown once, and the worker of the `toolgate start` under test POSTs a held call there,
 * signed with it. The call is stored as the proxy stores one (embedded-db.ts).
 */

test('an owner adds the approval webhook, a held call is POSTed to it signed, the secret rotates; members only read', async ({
  page,
  browser,
}) => {
  test.setTimeout(90_000);
  const owner = newAccount('Wendy');
  await signUp(page, owner);
  const colleague = await inviteColleague(page, browser, owner, 'Milo Member');
  const receiver = await startWebhookReceiver();
  const { handle, tenantId } = await databaseOf(owner.slug);
  try {
    await workspaceNav(page).getByRole('link', { name: 'Settings' }).click();
    const section = page.getByRole('region', { name: 'Approval webhook' });
    const url = section.getByLabel('Endpoint URL');

    await url.fill('http://hooks.example.test/toolgate');
    await section.getByRole('button', { name: 'Add webhook' }).click();
    await expect(section.getByText('must be an https:// URL (plain http only to localhost)')).toBeVisible();

    await url.fill(receiver.url);
    await section.getByRole('button', { name: 'Add webhook' }).click();
    const shown = section.getByTestId('approval-webhook-secret');
    await expect(shown).toHaveText(/^tgs_/);
    await expect(section.getByText('Shown once.')).toBeVisible();
    await shot(page, 'approval-webhook-secret');
    receiver.secret = (await shown.textContent())!.trim();
    await section.getByRole('button', { name: 'Done' }).click();
    await expect(shown).toHaveCount(0);

    // Never shown again: the page answers the URL only.
    await page.reload();
    await expect(section.getByLabel('Endpoint URL')).toHaveValue(receiver.url);
    await expect(section.getByText(/Signing secret made/)).toBeVisible();
    expect(await page.content()).not.toContain(receiver.secret);

    const gateway = await seedGateway(handle.db, tenantId, { name: 'Assistants' });
    const held = await createApprovalRequest({
      db: handle.db,
      tenantId,
      gatewayId: gateway.id,
      policy: { id: null, name: 'Payments need a human', message: '', approvers: { kind: 'admins' } },
      toolName: 'bank__pay',
      args: { amount: 120, iban: 'DE89370400440532013000' },
      principalId: `token:${crypto.randomUUID()}`,
      callerLabel: colleague.email,
      agent: 'Claude Desktop',
    });
    // The worker delivers it; the receiver answers 200 only to a request signed with the secret.
    await expect
      .poll(() => receiver.received.map((r) => [(r.json as { type: string }).type, r.status]), {
        timeout: 15_000,
      })
      .toEqual([['approval.requested', 200]]);
    expect(receiver.accepted()[0]).toMatchObject({
      approval: {
        id: held.id,
        tool: 'bank__pay',
        gateway: { id: gateway.id },
        caller: { label: colleague.email },
      },
    });

    await section.getByRole('button', { name: 'Rotate secret' }).click();
    await expect(shown).toHaveText(/^tgs_/);
    expect((await shown.textContent())!.trim()).not.toBe(receiver.secret);
    await section.getByRole('button', { name: 'Done' }).click();
    await expect(section.getByText(/also signed with the previous one/)).toBeVisible();

    // A member learns only that there is a webhook.
    await workspaceNav(colleague.page).getByRole('link', { name: 'Settings' }).click();
    const theirs = colleague.page.getByRole('region', { name: 'Approval webhook' });
    await expect(theirs.getByText('A webhook is set up. Owners and admins manage it.')).toBeVisible();
    await expect(theirs.getByLabel('Endpoint URL')).toHaveCount(0);
    await expect(theirs.getByText(receiver.url)).toHaveCount(0);

    await section.getByRole('button', { name: 'Remove…' }).click();
    await section.getByRole('button', { name: 'Remove webhook' }).click();
    await expect(section.getByText('Removed. Nothing more is sent.')).toBeVisible();
    await expect(section.getByRole('button', { name: 'Add webhook' })).toBeVisible();
  } finally {
    await colleague.close();
    await receiver.close();
    await handle.close();
  }
});
