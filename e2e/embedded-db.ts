import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { createDb, type DbHandle } from '../packages/db/src/client.ts';
import { tenants } from '../packages/db/src/schema/index.ts';

/**
 * The embedded database of the `toolgate start` under test that holds this workspace
 * (playwright.config.ts gives it a data directory `tg-e2e-*` under the system's temporary
 * directory, whose marker file names the port; other runs' directories may sit beside ours).
 * For specs that must stand in for something outside the browser (a proxy holding a call, the
 * passing of time). Close the handle when done.
 */
export async function databaseOf(tenantSlug: string): Promise<{ handle: DbHandle; tenantId: string }> {
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
    const [tenant] = await handle.db
      .select({ id: tenants.id })
      .from(tenants)
      .where(eq(tenants.slug, tenantSlug))
      .catch(() => []);
    if (tenant) return { handle, tenantId: tenant.id };
    await handle.close();
  }
  throw new Error(`no running embedded database holds workspace ${tenantSlug}`);
}
