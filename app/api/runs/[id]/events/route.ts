import superjson from 'superjson';
import { authorizeRequest } from '@/server/auth/guard-request';
import { isTerminalFlowState } from '@/server/engine/states';
import { NotFoundError } from '@/server/errors';
import { methodNotAllowed } from '@/server/http/method-not-allowed';
import { subscribeToRun } from '@/server/runs/live';
import { flowRunExists } from '@/server/runs/queries';
import { runIdSchema } from '@/server/runs/schemas';
import { getRunSummary, type RunSummary } from '@/server/runs/summary';
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
 * A run's live state as Server-Sent Events (superjson data):
 * `event: snapshot` — the run as `runs.summary` returns it — first (unless
 * `?digest=` shows the client already holds exactly that summary), then
 * `event: patch` after each change (coalesced): the run's own fields and
 * only the tasks that changed since the last event on this connection, and
 * a final `snapshot` when the run ends, after which the stream closes. A
 * reconnect starts again with a snapshot, so nothing is lost with a dropped
 * connection. Every event carries the summary's `seq` (see getRunSummary).
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
  /** Per task id: its summary as last sent on this connection. */
  let sentTasks: Map<string, string> | undefined;
  let sentHead = '';
  /** The summary the client already holds (`?digest=`): no first snapshot if it is current. */
  const knownDigest = new URL(request.url).searchParams.get('digest');
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

  const sendUpdate = async () => {
    if (closed) return;
    if (sending) {
      dirty = true;
      return;
    }
    sending = true;
    dirty = false;
    try {
      const run = await getRunSummary(db, id);
      lastSentAt = Date.now();
      const event = nextEvent(run);
      if (event) write(event);
      if (isTerminalFlowState(run.state)) close();
    } catch (err) {
      if (err instanceof NotFoundError) close();
      else console.error(`run events ${id}: ${(err as Error).message}`);
    } finally {
      sending = false;
    }
    if (dirty) schedule();
  };
  /** A snapshot (first and last), a patch of what changed, or nothing if nothing did. */
  const nextEvent = (run: RunSummary): string | null => {
    const { tasks, document: _document, ...head } = run;
    const headText = JSON.stringify(head);
    const taskTexts = new Map(tasks.map((t) => [t.id, JSON.stringify(t)]));
    const first = sentTasks === undefined;
    const changed = tasks.filter((t) => sentTasks?.get(t.id) !== taskTexts.get(t.id));
    const headChanged = headText !== sentHead;
    sentTasks = taskTexts;
    sentHead = headText;
    if (first && run.digest === knownDigest && !isTerminalFlowState(run.state)) return null;
    if (first || isTerminalFlowState(run.state))
      return `event: snapshot\ndata: ${superjson.stringify(run)}\n\n`;
    if (changed.length === 0 && !headChanged) return null;
    return `event: patch\ndata: ${superjson.stringify({ head, tasks: changed })}\n\n`;
  };
  const schedule = () => {
    if (closed || timers.coalesce) {
      dirty = true;
      return;
    }
    const wait = Math.max(0, lastSentAt + COALESCE_MS - Date.now());
    timers.coalesce = setTimeout(() => {
      timers.coalesce = undefined;
      void sendUpdate();
    }, wait);
  };

  // Subscribe before the first read so no change falls between them.
  unsubscribe = await subscribeToRun(id, schedule);
  if (!(await flowRunExists(db, id))) {
    unsubscribe();
    return new Response('no such run', { status: 404 });
  }

  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      write('retry: 1000\n\n');
      timers.heartbeat = setInterval(() => write(': heartbeat\n\n'), HEARTBEAT_MS);
      timers.backstop = setInterval(schedule, BACKSTOP_MS);
      request.signal.addEventListener('abort', close);
      void sendUpdate();
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

const getOnly = methodNotAllowed('GET');

export { getOnly as POST, getOnly as PUT, getOnly as PATCH, getOnly as DELETE };
