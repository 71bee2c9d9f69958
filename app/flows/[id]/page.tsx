import type { Metadata } from 'next';
import { notFound, redirect } from 'next/navigation';
import { currentViewer, signInPath } from '@/server/auth/page-session';
import { NotFoundError } from '@/server/errors';
import { getFlow } from '@/server/flows/get';
import { getRuntime } from '@/server/runtime';
import { describeCatalog } from '@/server/tasks/describe';
import { FlowView } from './_components/flow-view';

export const metadata: Metadata = { title: 'Flow' };

const FLOW_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `?version=3` → 3; anything else → the latest version. */
function parseVersion(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string' || !/^[1-9]\d{0,8}$/.test(value)) return undefined;
  return Number(value);
}

export default async function FlowPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  // Not a flow id at all: the real 404 page (with a 404 status).
  if (!FLOW_ID.test(id)) notFound();
  // The layout sends signed-out visitors away too; the page must not have
  // read the flow for them meanwhile.
  if (!(await currentViewer())) redirect(await signInPath(`/flows/${id}`));
  const version = parseVersion((await searchParams).version);
  // Read here, the flow and the task catalog arrive with the page: the
  // editor draws at hydration instead of after a round trip (it matters at
  // 500 nodes). A missing flow or version is left to the page, which says
  // which and offers the way back.
  const { db, catalog } = getRuntime();
  const initialFlow = await getFlow(db, { id, version }).catch((err: unknown) => {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  });
  return (
    <FlowView
      flowId={id}
      version={version}
      initialFlow={initialFlow}
      initialCatalog={describeCatalog(catalog)}
    />
  );
}
