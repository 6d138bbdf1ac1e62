import { webContext } from '~/server/context';
import { checkReadiness, essential } from '@toolgate/core/readiness';

export const dynamic = 'force-dynamic';

/**
 * Postgres is essential: every page, API call and OAuth exchange reads or writes it. Redis only
 * degrades web (changes reach proxies late, abuse limits are not counted), so it stays ready.
 * With the in-process bus (one machine) there is no Redis to check.
 */
export async function GET() {
  const { db, bus } = webContext();
  const report = await checkReadiness(
    { postgres: () => db.ping(), ...(bus.kind === 'redis' ? { redis: () => bus.ping() } : {}) },
    { canServe: essential('postgres') },
  );
  return Response.json(report, {
    status: report.ready ? 200 : 503,
    headers: { 'cache-control': 'no-store' },
  });
}
