import { expect, test } from '@playwright/test';
import { inviteColleague } from './colleague-steps.ts';
import { newAccount, shot, signUp, workspaceNav } from './steps.ts';

/**
 * Guardrails in the browser: an admin writes a custom pattern RE2 refuses (a lookahead) and sees
 * why at that pattern's field, fixes it and saves; adds an external endpoint (the server's refusal
 * of a plain-http URL shown at the URL field), sees the signing secret once and never again after
 * a reload, rotates it; edits the guardrail; a member reads it without a way to change it; the
 * admin deletes it.
 */

const LOOKAHEAD = 'EMP-(?=x)[0-9]{6}';
const FIXED = 'EMP-[0-9]{6}';
/** Not resolvable, which the save-time SSRF check accepts (the proxy checks again when it calls). */
const ENDPOINT = 'https://guard.example.test/toolgate';

test('an admin writes, fixes, connects, edits and deletes a guardrail; a member only reads', async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000);
  const owner = newAccount('Gard');
  await signUp(page, owner);

  await workspaceNav(page).getByRole('link', { name: 'Guardrails' }).click();
  await expect(page.getByRole('heading', { name: 'Guardrails', level: 1 })).toBeVisible();
  await expect(page.getByText('No guardrails yet')).toBeVisible();
  await page.getByRole('link', { name: 'New guardrail' }).first().click();
  await expect(page.getByRole('heading', { name: 'New guardrail', level: 1 })).toBeVisible();

  // A pattern with a lookahead: the message at that pattern's expression, the cursor there, and
  // everything typed kept.
  const form = page.getByRole('form', { name: 'New guardrail' });
  await form.getByLabel('Name', { exact: true }).fill('Customer data');
  await form.getByLabel('Description').fill('Cards and employee ids stay out of tool traffic.');
  await form.getByRole('checkbox', { name: /^Payment card numbers/ }).check();
  await form.getByRole('checkbox', { name: /^Email addresses/ }).check();
  await form.getByRole('button', { name: 'Add a pattern' }).click();
  const pattern = form.getByRole('group', { name: 'Pattern 1' });
  await pattern.getByLabel('Pattern name').fill('employee-id');
  await pattern.getByLabel('Expression (RE2)').fill(LOOKAHEAD);
  await form.getByLabel('Action').selectOption('redact');
  await expect(form).toContainText('[REDACTED:card]');
  await form.getByRole('button', { name: 'Create guardrail' }).click();
  const expression = pattern.getByLabel('Expression (RE2)');
  await expect(expression).toHaveAttribute('aria-invalid', 'true');
  await expect(expression).toHaveAccessibleDescription(
    /^Lookarounds .* are not supported: patterns run on RE2/,
  );
  await expect(expression).toBeFocused();
  await expect(form.getByLabel('Name', { exact: true })).toHaveValue('Customer data');
  await expect(pattern.getByLabel('Pattern name')).toHaveValue('employee-id');
  await expect(form.getByRole('checkbox', { name: /^Payment card numbers/ })).toBeChecked();
  await expect(page).toHaveURL(/\/guardrails\/new$/);
  await shot(page, 'guardrail-pattern-error');

  // Fixed: the message goes as soon as the field is edited, and the guardrail is saved.
  await expression.fill(FIXED);
  await expect(expression).not.toHaveAttribute('aria-invalid', 'true');
  await form.getByRole('button', { name: 'Create guardrail' }).click();
  await expect(page).toHaveURL(/\/guardrails\?saved=/);
  await expect(page.getByText('Guardrail “Customer data” saved.')).toBeVisible();
  const table = page.getByRole('table', { name: 'guardrails' });
  const row = table.getByRole('row').filter({ hasText: 'Customer data' });
  await expect(row).toContainText('All gateways');
  await expect(row).toContainText('Arguments and results');
  await expect(row).toContainText('Email addresses, Payment card numbers, pattern employee-id');
  await expect(row).toContainText('Redact');
  await expect(row.getByRole('switch', { name: 'Customer data enabled' })).toBeChecked();

  // An external endpoint: plain http to another machine is refused by the server, at the URL field.
  await row.getByRole('link', { name: 'Customer data', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Customer data', level: 1 })).toBeVisible();
  const edit = page.getByRole('form', { name: 'Edit Customer data' });
  await expect(edit.getByRole('group', { name: 'Pattern 1' }).getByLabel('Expression (RE2)')).toHaveValue(
    FIXED,
  );
  await expect(page.getByRole('button', { name: 'Rotate signing secret' })).toHaveCount(0);
  await edit.getByRole('checkbox', { name: /^Also ask an endpoint of yours/ }).check();
  const url = edit.getByLabel('Endpoint URL');
  await url.fill('http://guard.example.test/toolgate');
  await edit.getByLabel('Timeout (ms)').fill('1500');
  await edit.getByLabel('When it cannot answer').selectOption('open');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(url).toHaveAttribute('aria-invalid', 'true');
  await expect(url).toHaveAccessibleDescription(/https:\/\//);
  await expect(edit.getByLabel('Timeout (ms)')).toHaveValue('1500');

  // Over https: saved, and the signing secret shown this once.
  await url.fill(ENDPOINT);
  await edit.getByRole('button', { name: 'Save changes' }).click();
  const panel = page.getByRole('region', { name: 'Signing secret for “Customer data”' });
  await expect(panel).toBeVisible();
  const secret = (await panel.getByTestId('signing-secret').textContent())!.trim();
  expect(secret).toMatch(/^tgs_[\w-]{40,}$/);
  await expect(panel).toContainText('Shown once.');
  await expect(panel).toContainText('will not show it again');
  await panel.getByText('What the endpoint receives and must answer').click();
  await expect(panel).toContainText('toolgate-signature: t=<unix seconds>,v1=<hex>');
  await expect(panel).toContainText('{"action":"deny","message":"…"}');
  await shot(page, 'guardrail-signing-secret');

  // Reloaded: the endpoint is kept, the secret is not shown again.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Customer data', level: 1 })).toBeVisible();
  await expect(page.getByTestId('signing-secret')).toHaveCount(0);
  await expect(page.getByText(secret)).toHaveCount(0);
  await expect(edit.getByLabel('Endpoint URL')).toHaveValue(ENDPOINT);
  await expect(edit.getByLabel('When it cannot answer')).toHaveValue('open');

  // Rotated: a new secret, shown once too.
  await page.getByRole('button', { name: 'Rotate signing secret' }).click();
  const rotate = page.getByRole('dialog', { name: 'Rotate the signing secret?' });
  await rotate.getByRole('button', { name: 'Rotate secret' }).click();
  await expect(rotate).toBeHidden();
  const rotated = (await panel.getByTestId('signing-secret').textContent())!.trim();
  expect(rotated).toMatch(/^tgs_/);
  expect(rotated).not.toBe(secret);
  await panel.getByRole('button', { name: 'I have stored it' }).click();
  await expect(page.getByTestId('signing-secret')).toHaveCount(0);

  // Edited: arguments only, block, no email addresses.
  await edit.getByLabel('Looks at').selectOption('arguments');
  await edit.getByRole('checkbox', { name: /^Email addresses/ }).uncheck();
  await edit.getByLabel('Action').selectOption('block');
  await expect(edit).toContainText('Refuses the call with a tool error that names the detector');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(page).toHaveURL(/\/guardrails\?saved=/);
  await expect(row).toContainText('Payment card numbers, pattern employee-id');
  await expect(row).not.toContainText('Email addresses');
  await expect(row.getByRole('cell', { name: 'Arguments', exact: true })).toBeVisible();
  await expect(row).toContainText('Block');
  await expect(row).toContainText('guard.example.test');
  await shot(page, 'guardrails');

  // A member reads it and changes nothing.
  const member = await inviteColleague(page, browser, owner, 'Gil Member');
  const m = member.page;
  await workspaceNav(m).getByRole('link', { name: 'Guardrails' }).click();
  const theirs = m
    .getByRole('table', { name: 'guardrails' })
    .getByRole('row')
    .filter({ hasText: 'Customer data' });
  await expect(theirs).toContainText('Block');
  await expect(theirs.getByRole('switch')).toBeDisabled();
  await expect(m.getByRole('link', { name: 'New guardrail' })).toHaveCount(0);
  await expect(m.getByRole('button', { name: /^Delete / })).toHaveCount(0);
  await theirs.getByRole('link', { name: 'Customer data', exact: true }).click();
  await expect(m.getByRole('heading', { name: 'Customer data', level: 1 })).toBeVisible();
  await expect(m.getByRole('definition').filter({ hasText: FIXED })).toBeVisible();
  await expect(m.getByRole('definition').filter({ hasText: ENDPOINT })).toBeVisible();
  await expect(m.getByRole('main').getByRole('textbox')).toHaveCount(0);
  await expect(m.getByRole('button', { name: /Delete|Rotate|Save/ })).toHaveCount(0);
  await member.close();

  // Deleted, after confirming.
  await workspaceNav(page).getByRole('link', { name: 'Guardrails' }).click();
  await table.getByRole('button', { name: 'Delete Customer data' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete guardrail?' });
  await expect(confirm).toContainText('its signing secret is deleted');
  await confirm.getByRole('button', { name: 'Delete guardrail' }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByText('No guardrails yet')).toBeVisible();
});
