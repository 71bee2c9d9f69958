import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
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
  const { version } = await searchParams;
  return <FlowView flowId={id} version={parseVersion(version)} />;
}
