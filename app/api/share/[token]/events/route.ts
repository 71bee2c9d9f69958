import { GET as runEvents } from '@/app/api/runs/[id]/events/route';
import { methodNotAllowed } from '@/server/http/method-not-allowed';
import { getRuntime } from '@/server/runtime';
import { findActiveShare } from '@/server/shares/resolve';
import { grantRunStream } from '@/server/shares/stream-grant';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** How often an open stream re-checks its link, so a revoked link stops within this time. */
const RECHECK_MS = 2_000;

/**
 * The shared run's live events: exactly the stream of
 * `/api/runs/<id>/events` (same events, same payloads), opened by a share
 * token instead of a run id. Unknown, revoked or expired → 404; a stream
 * already open ends once its link is revoked or expires.
 */
export async function GET(request: Request, { params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const { db } = getRuntime();
  const share = await findActiveShare(db, token);
  if (!share) return new Response('no such share link', { status: 404 });
  grantRunStream(request, share.runId);
  const inner = await runEvents(request, { params: Promise.resolve({ id: share.runId }) });
  if (!inner.ok || !inner.body) return inner;

  const reader = inner.body.getReader();
  let recheck: NodeJS.Timeout | undefined;
  let closed = false;
  const stop = () => {
    closed = true;
    clearInterval(recheck);
    void reader.cancel().catch(() => {});
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      recheck = setInterval(() => {
        findActiveShare(db, token).then(
          (still) => {
            if (still || closed) return;
            stop();
            controller.close();
          },
          (err: unknown) => console.error(`share events: ${(err as Error).message}`),
        );
      }, RECHECK_MS);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (closed) return;
      if (done) {
        closed = true;
        clearInterval(recheck);
        controller.close();
      } else controller.enqueue(value);
    },
    cancel: stop,
  });
  return new Response(body, { status: inner.status, headers: inner.headers });
}

const getOnly = methodNotAllowed('GET');

export { getOnly as POST, getOnly as PUT, getOnly as PATCH, getOnly as DELETE };
