import { webContext } from '~/server/context';
import { checkReadiness } from '@toolgate/core/readiness';

export const dynamic = 'force-dynamic';

export async function GET() {
  const { db, bus } = webContext();
  const report = await checkReadiness({ database: () => db.ping(), bus: () => bus.ping() });
  return Response.json(report, { status: report.ready ? 200 : 503 });
}
