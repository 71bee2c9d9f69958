import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { RunView } from './_components/run-view';

export const metadata: Metadata = { title: 'Run' };

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function RunPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  if (!RUN_ID.test(id)) notFound();
  const { node } = await searchParams;
  // Keyed by id: "Retry" and "Run again" land on a fresh page state.
  return <RunView key={id} runId={id} initialNodeId={typeof node === 'string' ? node : null} />;
}
