import { expect, test } from '@playwright/test';
import { startEverythingServer, type RunningEverythingServer } from '../packages/fixtures/src/everything.ts';
import { inviteColleague } from './colleague-steps.ts';
import {
  addEverythingServer,
  connectWithToken,
  gatewayWithToolAndToken,
  newAccount,
  shot,
  signUp,
  workspaceNav,
} from './steps.ts';

/**
 * Tool-call policies in the browser: an admin writes a policy whose condition does not check and
 * sees where (the caret under the column, the cursor put there), fixes it, replays it against the
 * gateway's past calls to see which it would change, saves it, and the gateway enforces it; a tool
 * is labelled external-send; a member reads the policies but changes nothing.
 */

/** The usage pipeline (proxy → queue → worker) flushes about every second: polls have a deadline. */
const PIPELINE_DEADLINE_MS = 30_000;

let upstream: RunningEverythingServer;

test.beforeAll(async () => {
  upstream = await startEverythingServer('streamableHttp');
});
test.afterAll(async () => {
  await upstream?.close();
});

/** Calls echo through the gateway once per message; the results, in order. */
async function echo(gatewayUrl: string, token: string, messages: string[]) {
  const client = await connectWithToken(gatewayUrl, token, 'policies-e2e');
  try {
    const results = [];
    for (const message of messages)
      results.push(await client.callTool({ name: 'everything__echo', arguments: { message } }));
    return results;
  } finally {
    await client.close();
  }
}

const BROKEN = 'tool.name == "echo" &&\n  caller.rol != "" && string(args.message).contains("secret")';
const FIXED = 'tool.name == "echo" &&\n  has(args.message) && string(args.message).contains("secret")';
const MESSAGE = 'Secrets stay in the building. Leave them out of the message.';

test('an admin writes, tests and saves a policy; labels a tool; a member only reads', async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  const owner = newAccount('Pola');
  await signUp(page, owner);
  await addEverythingServer(page, upstream.url);
  const { gatewayUrl, token } = await gatewayWithToolAndToken(page, {
    gateway: 'Mail desk',
    tool: 'everything__echo',
    tokenName: 'mail-agent',
  });
  const before = await echo(gatewayUrl, token, ['hello', 'the secret plan', 'lunch?']);
  expect(before.map((r) => r.isError ?? false)).toEqual([false, false, false]);

  // A condition with a mistake on its second line: the message, the caret under the column, and
  // the text cursor at the offending spot.
  await workspaceNav(page).getByRole('link', { name: 'Policies' }).click();
  await expect(page.getByRole('heading', { name: 'Policies', level: 1 })).toBeVisible();
  await expect(page.getByText('No policies yet')).toBeVisible();
  await page.getByRole('link', { name: 'New policy' }).first().click();
  await expect(page.getByRole('heading', { name: 'New policy', level: 1 })).toBeVisible();
  const form = page.getByRole('form', { name: 'New policy' });
  await form.getByLabel('Name', { exact: true }).fill('No secrets by echo');
  await form.getByLabel('Condition').fill(BROKEN);
  await form.getByLabel('Action').selectOption('deny');
  await form.getByLabel('Message').fill(MESSAGE);
  await form.getByRole('button', { name: 'Create policy' }).click();
  const problem = form.getByTestId('condition-error');
  await expect(problem).toContainText('Line 2, column 10: No such key: rol');
  await expect(problem.getByTestId('condition-error-line')).toHaveText(
    '  caller.rol != "" && string(args.message).contains("secret")',
  );
  // Nine characters before the column ("  caller."), then the caret.
  await expect(problem.getByTestId('condition-caret')).toHaveText(`${' '.repeat(9)}^`);
  const condition = form.getByLabel('Condition');
  await expect(condition).toBeFocused();
  const offset = BROKEN.indexOf('rol');
  expect(await condition.evaluate((el: HTMLTextAreaElement) => [el.selectionStart, el.selectionEnd])).toEqual(
    [offset, offset],
  );
  await shot(page, 'policy-condition-error');

  // Fixed: the message goes as the condition checks.
  await condition.fill(FIXED);
  await expect(problem).toBeHidden();

  // Replayed against the gateway's calls so far: only the secret one would be denied.
  const tester = page.getByRole('region', { name: 'Test against recent calls' });
  await tester.getByLabel('Gateway').selectOption({ label: 'Mail desk' });
  const summary = tester.getByTestId('tester-summary');
  await expect(async () => {
    await tester.getByRole('button', { name: 'Test against recent calls' }).click();
    await expect(summary).toContainText('Replayed 3 calls of Mail desk', { timeout: 2_000 });
  }).toPass({ timeout: PIPELINE_DEADLINE_MS });
  await expect(summary).toContainText('1 call would change (1 allowed → denied)');
  const changed = tester.getByRole('table', { name: 'Calls whose outcome would change' });
  await expect(changed.getByRole('row')).toHaveCount(2);
  const row = changed.getByRole('row').nth(1);
  await expect(row).toContainText('mail-agent');
  await expect(row).toContainText('everything__echo');
  await expect(row.getByRole('cell').nth(3)).toHaveText('Allowed');
  await expect(row.getByRole('cell').nth(4)).toContainText('Allow');
  await expect(row.getByRole('cell').nth(5)).toContainText('Deny');
  await expect(row.getByRole('cell').nth(5)).toContainText('by this draft');
  await tester.getByText('What the test assumes').click();
  await expect(tester).toContainText('session.tainted is false');
  await shot(page, 'policy-tester');

  await form.getByRole('button', { name: 'Create policy' }).click();
  await expect(page).toHaveURL(/\/policies\?saved=/);
  await expect(page.getByText('Policy “No secrets by echo” saved.')).toBeVisible();
  const policies = page.getByRole('table', { name: 'policies' });
  const saved = policies.getByRole('row').filter({ hasText: 'No secrets by echo' });
  await expect(saved).toContainText('All gateways');
  await expect(saved).toContainText('Deny');
  await expect(saved.getByRole('switch', { name: 'No secrets by echo enabled' })).toBeChecked();
  await shot(page, 'policies');

  // The gateway holds calls to it: the secret one is refused with the message, the others pass.
  await expect(async () => {
    const [plain, secret] = await echo(gatewayUrl, token, ['hi', 'another secret']);
    expect(plain!.isError ?? false).toBe(false);
    expect(secret).toMatchObject({ isError: true, content: [{ type: 'text', text: MESSAGE }] });
  }).toPass({ timeout: 10_000 });

  // Labels: echo sends data out, on this installation.
  await workspaceNav(page).getByRole('link', { name: 'Servers' }).click();
  await page.getByRole('link', { name: 'Manage Everything' }).click();
  await expect(page.getByRole('heading', { name: 'Everything', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'Add a label to echo' }).click();
  const add = page.getByRole('form', { name: 'Add a label to echo' });
  await add.getByLabel('Label for echo').fill('Not A Label');
  await add.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(add.getByRole('alert')).toContainText('lower-case letters');
  await expect(add.getByRole('button', { name: /^untrusted-output/ })).toContainText('taints the session');
  await add.getByRole('button', { name: /^external-send/ }).click();
  const labels = page.getByRole('list', { name: 'Labels of echo' });
  await expect(labels.getByRole('listitem')).toHaveText(['external-send']);
  await expect(add).toBeHidden();
  await shot(page, 'tool-labels');
  await page.reload();
  await expect(labels.getByRole('listitem')).toHaveText(['external-send']);

  // A member reads the policies their calls are held to, and changes nothing.
  const member = await inviteColleague(page, browser, owner, 'Mona Member');
  const m = member.page;
  await workspaceNav(m).getByRole('link', { name: 'Policies' }).click();
  const theirs = m
    .getByRole('table', { name: 'policies' })
    .getByRole('row')
    .filter({ hasText: 'No secrets by echo' });
  await expect(theirs).toContainText('string(args.message).contains("secret")');
  await expect(theirs.getByRole('switch')).toBeDisabled();
  await expect(m.getByRole('link', { name: 'New policy' })).toHaveCount(0);
  await expect(m.getByRole('button', { name: /^Delete / })).toHaveCount(0);
  await theirs.getByRole('link', { name: 'No secrets by echo' }).click();
  await expect(m.getByRole('heading', { name: 'No secrets by echo', level: 1 })).toBeVisible();
  const view = m.getByRole('definition').filter({ hasText: 'contains("secret")' });
  await expect(view).toBeVisible();
  await expect(m.getByText(MESSAGE)).toBeVisible();
  await expect(m.getByRole('main').getByRole('textbox')).toHaveCount(0);
  await expect(m.getByRole('button', { name: 'Save changes' })).toHaveCount(0);
  await shot(m, 'policy-member');
  await member.close();
});
