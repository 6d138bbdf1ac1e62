import { expect, test } from '@playwright/test';
import { seedInstallation, seedRegistryEntry } from '../packages/db/src/testing/factories.ts';
import { databaseOf } from './embedded-db.ts';
import { newAccount, shot, signUp } from './steps.ts';

/**
 * A self-hosted server's log on its installation's page, read from the runner `toolgate start`
 * runs: nothing while it never ran, then (after "Refresh tools" started it on the runner) its
 * stderr and the runner's own lines, a bearer token redacted, the state Running.
 *
 * The server is a few lines of JSON-RPC over stdio run by the Node.js binary (under /usr, which the
 * sandbox mounts). Its registry entry and installation are written to the database directly: adding
 * a local server in the browser is the registry form's business, not this spec's.
 */
const SERVER = String.raw`
const rl = require('readline').createInterface({ input: process.stdin });
console.error('log-demo starting');
console.error('Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789');
rl.on('line', (line) => {
  const m = JSON.parse(line);
  if (m.id === undefined) return;
  let result = {};
  if (m.method === 'initialize')
    result = { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'log-demo', version: '1.0.0' } };
  if (m.method === 'tools/list') {
    console.error('listing tools');
    result = { tools: [{ name: 'hello', description: 'Says hello', inputSchema: { type: 'object' } }] };
  }
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: m.id, result }) + '\n');
});`;

/** A self-hosted installation of `script` (run with `node -e`) in the account's workspace. */
async function installLocalServer(tenantSlug: string, slug: string, script: string): Promise<string> {
  const { handle, tenantId } = await databaseOf(tenantSlug);
  try {
    const entry = await seedRegistryEntry(handle.db, tenantId, {
      slug,
      name: slug,
      transport: 'stdio',
      url: null,
      command: process.execPath,
      args: ['-e', script],
    });
    return (await seedInstallation(handle.db, tenantId, entry.id, { name: slug, status: 'pending' })).id;
  } finally {
    await handle.close();
  }
}

test("a self-hosted server's log shows what it wrote, secrets redacted", async ({ page }) => {
  test.setTimeout(120_000);
  const account = newAccount('Lou');
  await signUp(page, account);
  const installationId = await installLocalServer(account.slug, 'log-demo', SERVER);

  await page.goto(`/t/${account.slug}/servers/${installationId}`);
  const panel = page.getByRole('region', { name: /Server log/ });
  await expect(panel.getByLabel('Server state')).toHaveText('Stopped');
  await expect(panel.getByText('Nothing logged yet')).toBeVisible();

  await page.getByRole('button', { name: 'Refresh tools' }).click();
  await expect(page.getByRole('cell', { name: 'hello Says hello' })).toBeVisible({ timeout: 30_000 });
  await panel.getByRole('button', { name: 'Refresh' }).click();
  await expect(panel.getByLabel('Server state')).toHaveText('Running');
  const lines = panel.getByRole('log', { name: 'Server log lines' });
  await expect(lines).toContainText('log-demo starting');
  await expect(lines).toContainText('listing tools');
  await expect(lines).toContainText(/runner\s*started \(pid/);
  await expect(lines).toContainText('initialized: log-demo 1.0.0');
  await expect(lines).toContainText('Authorization: [redacted]');
  await expect(lines).not.toContainText('abcdefghijklmnopqrstuvwxyz0123456789');
  await shot(page, 'server-log');
});

test('a server that exits at start: the log says why, with its last words', async ({ page }) => {
  test.setTimeout(120_000);
  const account = newAccount('Kit');
  await signUp(page, account);
  const installationId = await installLocalServer(
    account.slug,
    'broken-demo',
    'console.error("no config here"); process.exit(3)',
  );
  await page.goto(`/t/${account.slug}/servers/${installationId}`);
  await page.getByRole('button', { name: 'Refresh tools' }).click();
  const panel = page.getByRole('region', { name: /Server log/ });
  await expect(async () => {
    await panel.getByRole('button', { name: 'Refresh' }).click();
    await expect(panel.getByRole('log', { name: 'Server log lines' })).toContainText(
      /runner\s*the server exited at start \(code 3\)/,
      { timeout: 1_000 },
    );
  }).toPass({ timeout: 30_000 });
  const lines = panel.getByRole('log', { name: 'Server log lines' });
  await expect(lines).toContainText('no config here');
  await expect(panel.getByLabel('Server state')).toHaveText(/Stopped|Failed/);
  await shot(page, 'server-log-failed');
});
