import type { Metadata } from 'next';
import { RunsListPage } from './_components/runs-list-page';

export const metadata: Metadata = { title: 'Runs' };

/** `?limit=` sets the page size (1–200); otherwise 50. */
function parseLimit(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,3}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && n <= 200 ? n : undefined;
}

export default async function RunsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { limit } = await searchParams;
  return <RunsListPage pageSize={parseLimit(limit) ?? 50} />;
}
