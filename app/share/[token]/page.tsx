import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { getRuntime } from '@/server/runtime';
import { findActiveShare } from '@/server/shares/resolve';
import { SHARE_TOKEN_PATTERN } from '@/server/shares/tokens';
import { SharedRun } from './_components/shared-run';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: 'Shared run',
  // The token is the credential: keep it out of search engines and out of
  // the Referer header of anything the page loads.
  robots: { index: false, follow: false },
  referrer: 'no-referrer',
};

/**
 * A run opened through a read-only public link. Unknown, revoked and expired
 * tokens are all a plain 404 (status included).
 */
export default async function SharedRunPage({
  params,
  searchParams,
}: {
  params: Promise<{ token: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { token } = await params;
  if (!SHARE_TOKEN_PATTERN.test(token)) notFound();
  const share = await findActiveShare(getRuntime().db, token);
  if (!share) notFound();
  const { node } = await searchParams;
  return (
    <SharedRun
      token={token}
      runId={share.runId}
      initialNodeId={typeof node === 'string' ? node : null}
    />
  );
}
