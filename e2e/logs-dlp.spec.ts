import { expect, test, type Page } from '@playwright/test';
import { startEverythingServer, type RunningEverythingServer } from '../packages/fixtures/src/everything.ts';
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
 * The logs and the usage dashboard filtered by policy decision and by DLP outcome, all of it real:
 * a deny policy and two guardrails are saved in the browser, and the gateway refuses, redacts and
 * blocks calls by them (proxy → queue → worker).
 */

/** The usage pipeline (proxy → queue → worker) flushes about every second: polls have a deadline. */
const PIPELINE_DEADLINE_MS = 30_000;
const CLIENT_NAME = 'logs-dlp-e2e';
const MESSAGE = 'Secrets stay in the building.';

let upstream: RunningEverythingServer;

test.beforeAll(async () => {
  upstream = await startEverythingServer('streamableHttp');
});
test.afterAll(async () => {
  await upstream?.close();
});

/** Whether echo with `message` is refused with the policy's message. */
async function echoRefused(gatewayUrl: string, token: string, message: string): Promise<boolean> {
  const answer = await echo(gatewayUrl, token, message);
  return answer.isError && answer.text.includes(MESSAGE);
}

/** A guardrail saved in the browser: these detectors, this action, on arguments and results. */
async function createGuardrail(page: Page, name: string, detectors: RegExp[], action: 'redact' | 'block') {
  await workspaceNav(page).getByRole('link', { name: 'Guardrails' }).click();
  await page.getByRole('link', { name: 'New guardrail' }).first().click();
  const form = page.getByRole('form', { name: 'New guardrail' });
  await form.getByLabel('Name', { exact: true }).fill(name);
  for (const detector of detectors) await form.getByRole('checkbox', { name: detector }).check();
  await form.getByLabel('Action').selectOption(action);
  await form.getByRole('button', { name: 'Create guardrail' }).click();
  await expect(page.getByText(`Guardrail “${name}” saved.`)).toBeVisible();
}

/** Calls echo once with `message`: what the model gets back. */
async function echo(gatewayUrl: string, token: string, message: string) {
  const client = await connectWithToken(gatewayUrl, token, CLIENT_NAME);
  try {
    const result = await client.callTool({ name: 'everything__echo', arguments: { message } });
    return { isError: result.isError === true, text: JSON.stringify(result.content) };
  } finally {
    await client.close();
  }
}

const CARDS_AND_MAIL = 'card 4111 1111 1111 1111, 5500 0000 0000 0004, mail ann@example.com';
const GITHUB_TOKEN = `token ghp_${'a'.repeat(36)}`;

test('the logs and usage filter by DLP outcome and policy decision', async ({ page }) => {
  test.setTimeout(240_000);
  const owner = newAccount('Dalia');
  await signUp(page, owner);
  await addEverythingServer(page, upstream.url);
  const { gatewayUrl, token } = await gatewayWithToolAndToken(page, {
    gateway: 'Guarded desk',
    tool: 'everything__echo',
    tokenName: 'dlp-agent',
  });

  // A deny policy, saved in the browser.
  await workspaceNav(page).getByRole('link', { name: 'Policies' }).click();
  await page.getByRole('link', { name: 'New policy' }).first().click();
  const form = page.getByRole('form', { name: 'New policy' });
  await form.getByLabel('Name', { exact: true }).fill('No secrets by echo');
  await form
    .getByLabel('Condition')
    .fill('tool.name == "echo" && has(args.message) && string(args.message).contains("secret")');
  await form.getByLabel('Action').selectOption('deny');
  await form.getByLabel('Message').fill(MESSAGE);
  await form.getByRole('button', { name: 'Create policy' }).click();
  await expect(page.getByText('Policy “No secrets by echo” saved.')).toBeVisible();

  // Until the gateway has the policy, the secret call passes (no policy matched); then it is refused once.
  await expect(async () => {
    expect(await echoRefused(gatewayUrl, token, 'the secret plan')).toBe(true);
  }).toPass({ timeout: 10_000 });
  expect(await echoRefused(gatewayUrl, token, 'lunch at noon?')).toBe(false);

  // Guardrails, saved in the browser: cards and mail redacted, secrets blocked. Each call until
  // the gateway has them passes unguarded (DLP outcome none); then one call of each is guarded.
  await createGuardrail(page, 'Cards and mail', [/^Payment card numbers/, /^Email addresses/], 'redact');
  await createGuardrail(page, 'No credentials', [/^Secrets/], 'block');
  await expect(async () => {
    const answer = await echo(gatewayUrl, token, CARDS_AND_MAIL);
    expect(answer.text).toContain('card [REDACTED:card], [REDACTED:card], mail [REDACTED:email]');
  }).toPass({ timeout: 10_000 });
  await expect(async () => {
    const answer = await echo(gatewayUrl, token, GITHUB_TOKEN);
    expect(answer.isError).toBe(true);
    expect(answer.text).toContain('secret (1)');
    expect(answer.text).not.toContain('ghp_');
  }).toPass({ timeout: 10_000 });

  // The logs of the last hour, by policy decision: the refused call, once the pipeline has it.
  await page.goto(`/t/${owner.slug}/logs?range=1h`);
  const table = page.getByRole('table', { name: 'Calls' });
  await page.getByLabel('Policy decision').selectOption({ label: 'Denied by a policy' });
  await expect(page).toHaveURL(/policyDecision=deny/);
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(table.getByRole('row')).toHaveCount(2, { timeout: 2_000 });
  }).toPass({ timeout: PIPELINE_DEADLINE_MS });
  const denied = table.getByRole('row').nth(1);
  await expect(denied).toContainText('Denied by a policy');
  await expect(denied).toContainText('A tool-call policy refused the call');
  await expect(page.getByText('Showing 1–1 of 1 calls')).toBeVisible();

  // By DLP outcome: the redacted call with its findings by detector, under no policy. (Each change
  // waits for the URL: the next one is made from the filters in it.)
  await page.getByLabel('Policy decision').selectOption('');
  await expect(page).not.toHaveURL(/policyDecision=/);
  await page.getByLabel('DLP outcome').selectOption({ label: 'DLP: Redacted' });
  await expect(page).toHaveURL(/dlpOutcome=redacted/);
  await expect(table.getByRole('row')).toHaveCount(2);
  const redacted = table.getByRole('row').nth(1);
  await expect(redacted.getByTestId('dlp-badge')).toHaveText('redacted · card 2, email 1');
  await expect(redacted).toContainText('No policy matched');
  await shot(page, 'logs-dlp-redacted');

  await page.getByLabel('DLP outcome').selectOption({ label: 'DLP: Blocked' });
  await expect(page).toHaveURL(/dlpOutcome=blocked/);
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(table.getByRole('row').nth(1).getByTestId('dlp-badge')).toHaveText('blocked · secret 1');

  // Both at once: redacted calls no policy matched, and none a policy denied.
  await page.getByLabel('DLP outcome').selectOption({ label: 'DLP: Redacted' });
  await expect(page).toHaveURL(/dlpOutcome=redacted/);
  await page.getByLabel('Policy decision').selectOption({ label: 'No policy matched' });
  await expect(page).toHaveURL(
    /dlpOutcome=redacted&policyDecision=none|policyDecision=none&dlpOutcome=redacted/,
  );
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(table.getByTestId('dlp-badge')).toHaveText(['redacted · card 2, email 1']);
  await page.getByLabel('Policy decision').selectOption({ label: 'Denied by a policy' });
  await expect(page).toHaveURL(/policyDecision=deny/);
  await expect(page.getByText('No calls match these filters')).toBeVisible();

  // The redacted call's detail: the outcome and the findings by detector, no matched values.
  await page.getByLabel('Policy decision').selectOption('');
  await expect(page).not.toHaveURL(/policyDecision=/);
  await expect(table.getByTestId('dlp-badge')).toHaveText(['redacted · card 2, email 1']);
  await table.getByRole('row').nth(1).getByRole('link').click();
  const details = page.getByRole('region', { name: 'Details' });
  await expect(details).toContainText(/DLP outcome\s*Redacted/);
  await expect(details).toContainText(/Policy decision\s*No policy matched/);
  await expect(details.getByRole('list', { name: 'Findings by detector' }).getByRole('listitem')).toHaveText([
    /card\s*2/,
    /email\s*1/,
  ]);
  await shot(page, 'logs-dlp-detail');

  // The usage dashboard narrows the same way, from the rollups.
  await page.goto(`/t/${owner.slug}/usage?range=1h&dlpOutcome=blocked`);
  await expect(page.getByLabel('DLP outcome')).toHaveValue('blocked');
  await expect(page.getByRole('img', { name: 'Calls over time: 1 calls, 1 errors' })).toBeVisible();
  await page.getByLabel('DLP outcome').selectOption('');
  await expect(page).not.toHaveURL(/dlpOutcome=/);
  // Every call of the hour again (the probes, lunch, and the guarded two) before the next filter.
  await expect(page.getByRole('img', { name: /^Calls over time: / })).not.toHaveAccessibleName(
    'Calls over time: 1 calls, 1 errors',
  );
  await page.getByLabel('Policy decision').selectOption({ label: 'Denied by a policy' });
  await expect(page).toHaveURL(/policyDecision=deny/);
  await expect(page.getByRole('img', { name: 'Calls over time: 1 calls, 1 errors' })).toBeVisible();
  await shot(page, 'usage-policy-decision');
});
