import { checkHealth } from '@/server/health/check';
import { methodNotAllowed } from '@/server/http/method-not-allowed';
import { getRuntime } from '@/server/runtime';

export const dynamic = 'force-dynamic';

export async function GET() {
  const report = await checkHealth(getRuntime());
  return Response.json(report, {
    status: report.ok ? 200 : 503,
    headers: { 'cache-control': 'no-store' },
  });
}

const getOnly = methodNotAllowed('GET');

export { getOnly as POST, getOnly as PUT, getOnly as PATCH, getOnly as DELETE };
