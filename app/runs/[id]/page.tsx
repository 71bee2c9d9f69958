import type { Metadata } from 'next';
import { notFound, redirect } from 'next/navigation';
import { currentViewer, signInPath } from '@/server/auth/page-session';
import { NotFoundError } from '@/server/errors';
import { getRunSummary } from '@/server/runs/summary';
import { getRuntime } from '@/server/runtime';
import { RunView } from './_components/run-view';

export const metadata: Metadata = { title: 'Run' };
export const dynamic = 'force-dynamic';

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function RunPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  // A real 404 (status and page) for an id that is not a run, instead of a
  // client page that waits forever for a run that will never come.
  if (!RUN_ID.test(id)) notFound();
  // The layout sends signed-out visitors away too; the page must not have
  // read the run for them meanwhile.
  if (!(await currentViewer())) redirect(await signInPath(`/runs/${id}`));
  // Read here, the summary arrives with the page: the canvas draws at
  // hydration instead of after a round trip (it matters at 1,000 nodes).
  const summary = await getRunSummary(getRuntime().db, id).catch((err: unknown) => {
    if (err instanceof NotFoundError) notFound();
    throw err;
  });
  const { node } = await searchParams;
  // Keyed by id: "Retry" and "Run again" land on a fresh page state.
  return (
    <RunView
      key={id}
      runId={id}
      initialNodeId={typeof node === 'string' ? node : null}
      initialSummary={summary}
    />
  );
}
