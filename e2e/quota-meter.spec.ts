import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test, type Page } from '@playwright/test';
import { eq } from 'drizzle-orm';
import { createDb } from '../packages/db/src/client.ts';
import { tenants } from '../packages/db/src/schema/index.ts';
import { startEverythingServer, type RunningEverythingServer } from '../packages/fixtures/src/everything.ts';
import {
  addEverythingServer,
  connectWithToken,
  gatewayWithToolAndToken,
  shot,
  signUp,
  uid,
  workspaceNav,
} from './steps.ts';

/**
 * The quota meter on the usage page: an operator gives a workspace a monthly quota of 5 tool calls
 * (`toolgate tenant set-limits`, as docs/billing.md says), a client makes 4 calls through a
 * gateway, and the page shows 4 of 5 with the 80% warning; a 5th call shows the quota reached.
 * The usage pipeline flushes about every second, so each check polls with a deadline.
 */

const PIPELINE_DEADLINE_MS = 30_000;

let upstream: RunningEverythingServer;

test.beforeAll(async () => {
  upstream = await startEverythingServer('streamableHttp');
});
test.afterAll(async () => {
  await upstream?.close();
});

/**
 * The data directory of the `toolgate start` under test that holds this workspace (see
 * e2e/embedded-db.ts: other runs' directories may sit beside ours), for the operator's CLI.
 */
async function dataDirOf(tenantSlug: string): Promise<string> {
  const root = tmpdir();
  for (const dir of (await readdir(root)).filter((d) => d.startsWith('tg-e2e-'))) {
    let marker: { host: string; port: number };
    try {
      marker = JSON.parse(await readFile(path.join(root, dir, 'embedded.json'), 'utf8')) as typeof marker;
    } catch {
      continue;
    }
    const handle = createDb({
      url: `postgres://postgres@${marker.host}:${marker.port}/postgres?sslmode=disable`,
      max: 1,
      connectTimeoutMs: 2_000,
    });
    try {
      const [tenant] = await handle.db
        .select({ id: tenants.id })
        .from(tenants)
        .where(eq(tenants.slug, tenantSlug))
        .catch(() => []);
      if (tenant) return path.join(root, dir);
    } finally {
      await handle.close();
    }
  }
  throw new Error(`no running embedded database holds workspace ${tenantSlug}`);
}

/** Runs `toolgate` as an operator would on the machine of the server under test. */
async function toolgate(dataDir: string, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('node', ['apps/cli/bin/toolgate.js', ...args], {
    env: { ...process.env, TOOLGATE_DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'warn' },
  });
  return stdout;
}

/** Sign up, install server-everything, expose echo on a gateway, create a token. */
async function setUp(page: Page): Promise<{ slug: string; gatewayUrl: string; token: string }> {
  const id = uid();
  const slug = `quota-${id}`;
  await signUp(page, {
    name: 'Quinn Quota',
    email: `quinn-${id}@example.test`,
    workspace: `Quota ${id}`,
    slug,
  });
  await addEverythingServer(page, upstream.url);
  const { gatewayUrl, token } = await gatewayWithToolAndToken(page, {
    gateway: 'Metered',
    tool: 'everything__echo',
    tokenName: 'quota-e2e',
  });
  return { slug, gatewayUrl, token };
}

async function echo(gatewayUrl: string, token: string, times: number): Promise<void> {
  const client = await connectWithToken(gatewayUrl, token, 'quota-e2e');
  try {
    for (let n = 1; n <= times; n++) {
      const result = await client.callTool({
        name: 'everything__echo',
        arguments: { message: `quota ${n}` },
      });
      expect(result.content).toEqual([{ type: 'text', text: `Echo: quota ${n}` }]);
    }
  } finally {
    await client.close();
  }
}

test('the usage page meters tool calls against the monthly quota and warns at 80% and 100%', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const { slug, gatewayUrl, token } = await setUp(page);
  const meter = page.getByRole('meter', { name: 'Tool calls this month' });
  const quota = page.getByRole('region', { name: 'Monthly tool calls' });

  // The deployment's default plan sets no monthly quota: no meter, and nothing that suggests one.
  await workspaceNav(page).getByRole('link', { name: 'Usage' }).click();
  await expect(quota).toContainText('No monthly limit on tool calls.');
  await expect(meter).toHaveCount(0);

  const shown = JSON.parse(
    await toolgate(await dataDirOf(slug), ['tenant', 'set-limits', slug, '--calls-per-month', '5']),
  ) as { limits: { callsPerMonth: { value: number; source: string } } };
  expect(shown.limits.callsPerMonth).toEqual({ value: 5, source: 'override' });

  await echo(gatewayUrl, token, 4);
  await expect(async () => {
    await page.reload();
    await expect(meter).toHaveAttribute('aria-valuenow', '4', { timeout: 2_000 });
  }).toPass({ timeout: PIPELINE_DEADLINE_MS });
  await expect(meter).toHaveAttribute('aria-valuemax', '5');
  await expect(quota.getByTestId('quota-numbers')).toHaveText('4 of 5 tool calls this month');
  await expect(quota).toContainText('limit set for this workspace');
  const reset = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 1, 1));
  const resetDay = reset.toLocaleDateString('en-US', { timeZone: 'UTC', dateStyle: 'long' });
  await expect(quota).toContainText(`resets on ${resetDay}`);
  await expect(quota.getByRole('status')).toContainText(
    `This workspace has used 80% of its monthly tool calls. At 5, new tool calls are refused until ${resetDay}.`,
  );
  await shot(page, 'usage-quota-warning');

  // The fifth call reaches the quota: the stronger warning.
  await echo(gatewayUrl, token, 1);
  await expect(async () => {
    await page.reload();
    await expect(meter).toHaveAttribute('aria-valuenow', '5', { timeout: 2_000 });
  }).toPass({ timeout: PIPELINE_DEADLINE_MS });
  await expect(quota.getByRole('alert')).toContainText(
    `The monthly quota is reached: new tool calls are refused until ${resetDay}`,
  );
  await expect(quota.getByRole('status')).toHaveCount(0);
  await shot(page, 'usage-quota-exceeded');
});
