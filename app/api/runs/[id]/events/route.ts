import superjson from 'superjson';
import { authorizeRequest } from '@/server/auth/guard-request';
import { isTerminalFlowState } from '@/server/engine/states';
import { NotFoundError } from '@/server/errors';
import { subscribeToRun } from '@/server/runs/live';
import { getFlowRun } from '@/server/runs/queries';
import { runIdSchema } from '@/server/runs/schemas';
import { getRuntime } from '@/server/runtime';
import { hasRunStreamGrant } from '@/server/shares/stream-grant';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** At most one snapshot per this many ms, however many tasks move. */
const COALESCE_MS = 100;
/** A comment line keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** A re-read even without a notification, in case one was lost. */
const BACKSTOP_MS = 5_000;

/**
 * A run's live state as Server-Sent Events: `event: snapshot` with the run
 * as `runs.get` returns it (superjson), again after each change (coalesced),
 * until the run ends or the client goes away.
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!hasRunStreamGrant(request, id)) {
    const auth = await authorizeRequest(request, 'viewer');
    if (!auth.ok) return auth.response;
  }
  if (!runIdSchema.safeParse(id).success) return new Response('not a run id', { status: 400 });
  const { db } = getRuntime();

  let closed = false;
  let unsubscribe: (() => void) | undefined;
  const timers: {
    coalesce?: NodeJS.Timeout;
    heartbeat?: NodeJS.Timeout;
    backstop?: NodeJS.Timeout;
  } = {};
  let lastSentAt = 0;
  let sending = false;
  let dirty = false;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const encoder = new TextEncoder();

  const close = () => {
    if (closed) return;
    closed = true;
    unsubscribe?.();
    clearTimeout(timers.coalesce);
    clearInterval(timers.heartbeat);
    clearInterval(timers.backstop);
    try {
      controller.close();
    } catch {
      // already closed by the client
    }
  };
  const write = (text: string) => {
    if (closed) return;
    try {
      controller.enqueue(encoder.encode(text));
    } catch {
      close();
    }
  };

  const sendSnapshot = async () => {
    if (closed) return;
    if (sending) {
      dirty = true;
      return;
    }
    sending = true;
    dirty = false;
    try {
      const run = await getFlowRun(db, id);
      lastSentAt = Date.now();
      write(`event: snapshot\ndata: ${superjson.stringify(run)}\n\n`);
      if (isTerminalFlowState(run.state)) close();
    } catch (err) {
      if (err instanceof NotFoundError) close();
      else console.error(`run events ${id}: ${(err as Error).message}`);
    } finally {
      sending = false;
    }
    if (dirty) schedule();
  };
  const schedule = () => {
    if (closed || timers.coalesce) {
      dirty = true;
      return;
    }
    const wait = Math.max(0, lastSentAt + COALESCE_MS - Date.now());
    timers.coalesce = setTimeout(() => {
      timers.coalesce = undefined;
      void sendSnapshot();
    }, wait);
  };

  // Subscribe before the first read so no change falls between them.
  try {
    unsubscribe = await subscribeToRun(id, schedule);
    await getFlowRun(db, id);
  } catch (err) {
    unsubscribe?.();
    if (err instanceof NotFoundError) return new Response('no such run', { status: 404 });
    throw err;
  }

  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      write('retry: 1000\n\n');
      timers.heartbeat = setInterval(() => write(': heartbeat\n\n'), HEARTBEAT_MS);
      timers.backstop = setInterval(schedule, BACKSTOP_MS);
      request.signal.addEventListener('abort', close);
      void sendSnapshot();
    },
    cancel: close,
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  });
}
