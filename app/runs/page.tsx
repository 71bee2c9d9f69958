import type { Metadata } from 'next';
import { RunsListPage } from './_components/runs-list-page';

export const metadata: Metadata = { title: 'Runs' };

/** `?limit=` sets the page size (1–200); otherwise 50. */
function parseLimit(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,3}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && n <= 200 ? n : undefined;
}

/** Filters come from the URL too: `?flow=&state=&trigger=&from=&to=&q=`. */
export default async function RunsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (typeof value === 'string') query.set(key, value);
  return <RunsListPage pageSize={parseLimit(params.limit) ?? 50} initialQuery={query.toString()} />;
}
