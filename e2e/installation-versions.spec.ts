import { expect, test } from '@playwright/test';
import { LATENCY_BUCKET_COUNT } from '../packages/core/src/usage.ts';
import { and, eq } from 'drizzle-orm';
import { auditEvents, installations, usageRollups } from '../packages/db/src/schema/index.ts';
import { seedInstallation, seedRegistryEntry } from '../packages/db/src/testing/factories.ts';
import { databaseOf } from './embedded-db.ts';
import { newAccount, shot, signUp } from './steps.ts';

/**
 * A packaged server's versions on its installation page: pinned and running version, a canary
 * compared with the stable version (calls, error rate, p50/p95 from the usage rollups), rolled back
 * and, started again, promoted, each asked first and audited. The canary and the calls are written
 * straight into the database (no runner or npm registry in this run); the versions list says it is
 * unavailable, as it does whenever the registry cannot answer.
 */
test('a canary is compared with the stable version, rolled back and promoted from the installation page', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const owner = newAccount('Cleo');
  await signUp(page, owner);
  const { handle, tenantId } = await databaseOf(owner.slug);
  try {
    const entry = await seedRegistryEntry(handle.db, tenantId, {
      name: 'Notes',
      transport: 'stdio',
      url: null,
      package: '@toolgate-e2e/no-such-notes-server',
      version: '1.0.0',
    });
    const installation = await seedInstallation(handle.db, tenantId, entry.id, { name: 'Notes' });
    const startCanary = () =>
      handle.db
        .update(installations)
        .set({ canaryVersion: '1.1.0', canaryPercent: 25, canaryStartedAt: new Date(Date.now() - 600_000) })
        .where(eq(installations.id, installation.id));
    await startCanary();
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const histogram = (bucket: number, n: number) =>
      Array.from({ length: LATENCY_BUCKET_COUNT }, (_, i) => (i === bucket ? n : 0));
    const rollup = {
      tenantId,
      minute,
      gatewayId: '',
      installationId: installation.id,
      toolName: 'notes__find',
    };
    await handle.db.insert(usageRollups).values([
      {
        ...rollup,
        method: 'tools/call',
        status: 'ok',
        variant: 'stable',
        count: 38,
        errors: 0,
        latencyBuckets: histogram(4, 38),
      },
      {
        ...rollup,
        method: 'tools/call',
        status: 'error',
        variant: 'stable',
        count: 2,
        errors: 2,
        latencyBuckets: histogram(4, 2),
      },
      {
        ...rollup,
        method: 'tools/call',
        status: 'ok',
        variant: 'canary',
        count: 7,
        errors: 0,
        latencyBuckets: histogram(6, 7),
      },
      {
        ...rollup,
        method: 'tools/call',
        status: 'error',
        variant: 'canary',
        count: 3,
        errors: 3,
        latencyBuckets: histogram(6, 3),
      },
    ]);

    await page.goto(`/t/${owner.slug}/servers/${installation.id}`);
    const versions = page.getByRole('region', { name: 'Version' });
    await expect(versions.getByLabel('Pinned version')).toHaveText("1.0.0 (the registry entry's)");
    await expect(versions.getByLabel('Running version')).toHaveText('Not started yet');
    // No registry answers for this package (none reachable, or it does not know it).
    await expect(versions.getByRole('alert')).toContainText('Versions unavailable', { timeout: 20_000 });

    const canary = versions.getByLabel('Canary', { exact: true });
    await expect(canary).toContainText('1.1.0 for 25% of callers');
    const compared = canary.getByRole('table', { name: 'Stable and canary compared' });
    const stableRow = compared
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: /^Stable/ }) });
    const canaryRow = compared
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: /^Canary/ }) });
    await expect(stableRow).toContainText('1.0.0');
    await expect(stableRow.getByRole('cell').nth(0)).toHaveText('40');
    await expect(stableRow.getByRole('cell').nth(1)).toHaveText('5.0%');
    await expect(canaryRow.getByRole('cell').nth(0)).toHaveText('10');
    await expect(canaryRow.getByRole('cell').nth(1)).toHaveText('30.0%');
    // p50 inside its histogram bucket: stable (5, 10] ms, canary (25, 50] ms.
    const p50 = async (row: typeof stableRow) =>
      parseFloat((await row.getByRole('cell').nth(2).textContent()) ?? '');
    expect(await p50(stableRow)).toBeGreaterThan(5);
    expect(await p50(stableRow)).toBeLessThanOrEqual(10);
    expect(await p50(canaryRow)).toBeGreaterThan(25);
    expect(await p50(canaryRow)).toBeLessThanOrEqual(50);
    await shot(page, 'installation-canary');

    // The usage dashboard shows the running canaries side by side too.
    await page.goto(`/t/${owner.slug}/usage`);
    const canaries = page.getByRole('region', { name: 'Canaries' });
    await expect(canaries).toContainText('1.1.0 for 25% of callers');
    const onUsage = canaries.getByRole('table', { name: /stable and canary$/ });
    const usageRow = (name: RegExp) =>
      onUsage.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });
    await expect(
      usageRow(/^Stable/)
        .getByRole('cell')
        .nth(0),
    ).toHaveText('40');
    await expect(
      usageRow(/^Canary/)
        .getByRole('cell')
        .nth(1),
    ).toHaveText('30.0%');
    await canaries.getByRole('link').click();
    await expect(page).toHaveURL(new RegExp(`/servers/${installation.id}$`));

    await canary.getByRole('button', { name: 'Roll back' }).click();
    const rollBack = page.getByRole('dialog', { name: 'Roll back the canary?' });
    await expect(rollBack).toContainText('The 25% of callers on 1.1.0 go back to 1.0.0.');
    await rollBack.getByRole('button', { name: 'Roll back' }).click();
    await expect(rollBack).toBeHidden();
    await expect(versions.getByLabel('Canary', { exact: true })).toHaveCount(0);
    await expect(versions.getByRole('button', { name: 'Start canary' })).toBeVisible();

    await startCanary();
    await page.reload();
    await versions.getByLabel('Canary', { exact: true }).getByRole('button', { name: 'Promote' }).click();
    const promote = page.getByRole('dialog', { name: 'Promote 1.1.0?' });
    await promote.getByRole('button', { name: 'Promote' }).click();
    await expect(promote).toBeHidden();
    await expect(versions.getByLabel('Pinned version')).toHaveText('1.1.0');
    await expect(versions.getByLabel('Canary', { exact: true })).toHaveCount(0);

    const audited = await handle.db
      .select({ method: auditEvents.method })
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, tenantId), eq(auditEvents.installationId, installation.id)));
    expect(audited.map((a) => a.method).sort()).toEqual([
      'installation/canary-promote',
      'installation/canary-rollback',
    ]);
  } finally {
    await handle.close();
  }
});
