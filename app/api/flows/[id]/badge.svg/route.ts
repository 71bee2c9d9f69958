import { flowBadgeStatus } from '@/server/badges/flow-status';
import { badgeColors, renderBadge } from '@/server/badges/svg';
import { flowIdSchema } from '@/server/flows/schemas';
import { methodNotAllowed } from '@/server/http/method-not-allowed';
import { getRuntime } from '@/server/runtime';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

const LABEL = 'pipewright';

function svg(body: string, status: number): Response {
  return new Response(body, {
    status,
    headers: {
      'content-type': 'image/svg+xml; charset=utf-8',
      // READMEs are served through image proxies (GitHub's camo): no-cache
      // makes them revalidate, so the badge follows the latest run.
      'cache-control': 'no-cache, no-store, must-revalidate',
      'x-content-type-options': 'nosniff',
    },
  });
}

/**
 * The status badge of a flow's latest run, for READMEs:
 * "pipewright | passing / failing / running / cancelled / no runs".
 * An unknown, deleted or malformed flow id answers 404 with a "not found"
 * badge (an image either way, so a README shows something).
 */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const notFound = () => svg(renderBadge(LABEL, 'not found', badgeColors['not found']), 404);
  if (!flowIdSchema.safeParse(id).success) return notFound();
  try {
    const badge = await flowBadgeStatus(getRuntime().db, id);
    if (!badge) return notFound();
    return svg(renderBadge(LABEL, badge.status, badgeColors[badge.status]), 200);
  } catch (err) {
    console.error('badge', err);
    return svg(renderBadge(LABEL, 'unavailable', badgeColors['not found']), 503);
  }
}

const getOnly = methodNotAllowed('GET');

export { getOnly as POST, getOnly as PUT, getOnly as PATCH, getOnly as DELETE };
