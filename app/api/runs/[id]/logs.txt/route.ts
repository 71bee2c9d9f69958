import { logLevels } from '@/db/schema';
import { findUnstorableText } from '@/server/api/storable-text';
import { authorizeRequest } from '@/server/auth/guard-request';
import { methodNotAllowed } from '@/server/http/method-not-allowed';
import { runLogTextStream } from '@/server/runs/log-text';
import { flowRunExists } from '@/server/runs/queries';
import { runIdSchema } from '@/server/runs/schemas';
import { getRuntime } from '@/server/runtime';
import { findActiveShare } from '@/server/shares/resolve';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/**
 * The run's whole log as plain text (a download), streamed from the
 * database page by page. Optional `?level=warn` (that level and up),
 * `?search=text` and `?task=<task run id>` narrow it; `?share=<token>`
 * opens it through a share link instead of a session.
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!runIdSchema.safeParse(id).success) return new Response('not a run id', { status: 400 });
  const query = new URL(request.url).searchParams;
  // A teammate's session or key, or a live share link to this very run.
  const share = query.get('share');
  if (share === null) {
    const auth = await authorizeRequest(request, 'viewer');
    if (!auth.ok) return auth.response;
  } else if ((await findActiveShare(getRuntime().db, share))?.runId !== id) {
    return new Response('no such share link', { status: 404 });
  }
  const level = query.get('level') ?? undefined;
  if (level !== undefined && !(logLevels as readonly string[]).includes(level))
    return new Response(`level must be one of ${logLevels.join(', ')}`, { status: 400 });
  const task = query.get('task') ?? undefined;
  if (task !== undefined && !runIdSchema.safeParse(task).success)
    return new Response('task is not a task run id', { status: 400 });
  const search = query.get('search') ?? undefined;
  // A NUL character (`%00`) would fail the query after the answer started, cutting it off.
  const unstorable = search === undefined ? undefined : findUnstorableText(search, ['search']);
  if (unstorable) return new Response(unstorable, { status: 400 });
  const { db } = getRuntime();
  if (!(await flowRunExists(db, id))) return new Response('no such run', { status: 404 });
  const stream = runLogTextStream(db, {
    runId: id,
    taskRunId: task,
    minLevel: level as (typeof logLevels)[number] | undefined,
    search,
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'content-disposition': `attachment; filename="run-${id}.txt"`,
      'cache-control': 'no-store',
    },
  });
}

const getOnly = methodNotAllowed('GET');

export { getOnly as POST, getOnly as PUT, getOnly as PATCH, getOnly as DELETE };
