import { expect, test, type Page } from '@playwright/test';
import { startEverythingServer, type RunningEverythingServer } from '../packages/fixtures/src/everything.ts';
import {
  addEverythingServer,
  connectWithToken,
  gatewayWithToolAndToken,
  shot,
  signUp,
  uid,
} from './steps.ts';

/**
 * What tenants see: calls made through a gateway show up on the usage dashboard, in the logs
 * (filtered by tool and by status), in one call's detail with its arguments, and in the graph.
 * The usage pipeline (proxy → queue → worker) flushes about every second, so every check that
 * waits for it polls with a deadline.
 */

const PIPELINE_DEADLINE_MS = 30_000;

let upstream: RunningEverythingServer;

test.beforeAll(async () => {
  upstream = await startEverythingServer('streamableHttp');
});
test.afterAll(async () => {
  await upstream?.close();
});

/** Sign up, add and install server-everything, expose echo on a gateway, create a token. */
async function setUp(page: Page): Promise<{ slug: string; gatewayUrl: string; token: string }> {
  const id = uid();
  const slug = `usage-${id}`;
  await signUp(page, { name: 'Uma Usage', email: `uma-${id}@example.test`, workspace: `Usage ${id}`, slug });
  await addEverythingServer(page, upstream.url);
  const { gatewayUrl, token } = await gatewayWithToolAndToken(page, {
    gateway: 'Dev tools',
    tool: 'everything__echo',
    tokenName: 'usage-e2e',
  });
  return { slug, gatewayUrl, token };
}

test('the dashboard, the logs and a call show the calls a client made', async ({ page }) => {
  test.setTimeout(180_000);
  const { slug, gatewayUrl, token } = await setUp(page);

  // Before any call: the dashboard says what to do next.
  await page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'Usage' }).click();
  await expect(page.getByRole('heading', { name: 'Usage', level: 1 })).toBeVisible();
  await expect(page.getByText('No calls yet — connect a client to a gateway')).toBeVisible();

  // Three successful calls and one that fails (echo wants a string message).
  const client = await connectWithToken(gatewayUrl, token, 'usage-e2e');
  try {
    for (const n of [1, 2, 3]) {
      const result = await client.callTool({
        name: 'everything__echo',
        arguments: { message: `usage e2e ${n}` },
      });
      expect(result.content).toEqual([{ type: 'text', text: `Echo: usage e2e ${n}` }]);
    }
    const failed = await client.callTool({ name: 'everything__echo', arguments: { message: 42 } }).then(
      (result) => result.isError === true,
      () => true,
    );
    expect(failed).toBe(true);
  } finally {
    await client.close();
  }

  // Dashboard: tool calls of the last hour, polled until the pipeline has delivered all four.
  await page.goto(`/t/${slug}/usage?range=1h&method=tools%2Fcall`);
  const callsChart = page.getByRole('img', { name: 'Calls over time: 4 calls, 1 errors' });
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(callsChart).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: PIPELINE_DEADLINE_MS });
  await expect(page.getByRole('button', { name: '1 h', pressed: true })).toBeVisible();
  await expect(page.getByText('25%')).toBeVisible();
  const echoRow = page
    .getByRole('region', { name: 'Top tools' })
    .getByRole('listitem')
    .filter({ hasText: 'everything__echo' });
  await expect(echoRow).toContainText('(1✕)');
  await expect(page.getByRole('img', { name: 'Latency over time: p50 and p95' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Top callers' })).toContainText('usage-e2e');
  await expect(page.getByRole('region', { name: 'Top servers' })).toContainText('Everything');
  await shot(page, 'usage-dashboard');

  // Logs: filter by tool, then by status.
  await page.getByRole('navigation', { name: 'Usage views' }).getByRole('link', { name: 'Logs' }).click();
  await expect(page.getByRole('heading', { name: 'Logs', level: 1 })).toBeVisible();
  const table = page.getByRole('table', { name: 'Calls' });
  // The dashboard's filters came along (tool calls of the last hour): the four calls, newest first.
  await expect(table.getByRole('row')).toHaveCount(5);
  await page.getByLabel('Method', { exact: true }).selectOption('');
  await page.getByLabel('Tool').selectOption('everything__echo');
  await expect(page).toHaveURL(/tool=everything__echo/);
  await expect(table.getByRole('row')).toHaveCount(5);
  await expect(page.getByText('Showing 1–4 of 4 calls')).toBeVisible();
  await page.getByLabel('Status').selectOption({ label: 'Any error' });
  await expect(page).toHaveURL(/status=errors/);
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(table.getByRole('row').nth(1)).toContainText(/Tool error|Error/);
  await shot(page, 'usage-logs-errors');
  await page.getByLabel('Status').selectOption({ label: 'OK' });
  await expect(table.getByRole('row')).toHaveCount(4);
  await shot(page, 'usage-logs');

  // One call: its arguments, timing and caller.
  await table.getByRole('row').nth(1).getByRole('link').click();
  await expect(page.getByRole('heading', { name: 'everything__echo', level: 1 })).toBeVisible();
  const args = page.getByRole('region', { name: 'Arguments' });
  await expect(args).toContainText('"message": "usage e2e 3"');
  await expect(page.getByRole('region', { name: 'Result' })).toContainText('Echo: usage e2e 3');
  const details = page.getByRole('region', { name: 'Details' });
  await expect(details).toContainText('usage-e2e');
  await expect(details).toContainText('API token');
  await expect(details).toContainText('Dev tools');
  await expect(details).toContainText(/Latency\s*[\d.]+ (ms|s)/);
  await shot(page, 'usage-call-detail');

  // The gateway's own dashboard, linked from its page.
  await details.getByRole('link', { name: 'Dev tools' }).click();
  await expect(page.getByRole('heading', { name: 'Dev tools', level: 1 })).toBeVisible();
  await page.locator('a[href*="/gateways/"][href$="/usage"]').click();
  await expect(page.getByRole('heading', { name: 'Usage of Dev tools', level: 1 })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Top tools' })).toContainText('everything__echo');
  await shot(page, 'usage-gateway');

  // The graph: caller → gateway → server → tool, the failed call's path in red.
  await page.goto(`/t/${slug}/usage/graph?range=1h`);
  const graph = page.getByRole('img', { name: 'Call graph: 1 callers, 1 gateways, 1 servers, 1 tools' });
  await expect(graph).toBeVisible();
  await expect(graph).toContainText('everything__echo');
  await expect(graph).toContainText('Dev tools');
  await expect(graph).toContainText('usage-e2e');
  await expect(graph.locator('path[data-errors="true"]')).toHaveCount(3);
  await shot(page, 'usage-graph');
});
