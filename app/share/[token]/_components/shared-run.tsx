'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import { EyeIcon } from '@/app/_components/icons';
import { isNotFound } from '@/app/_lib/api-errors';
import { RunAccessProvider } from '@/app/_lib/run-access';
import { useTRPC } from '@/app/_lib/trpc';
import { RunView } from '@/app/runs/[id]/_components/run-view';

/**
 * The run page as a share link shows it: the same live RunView, in share
 * mode (no actions, no links into the app, reads carry the token), under a
 * slim bar in place of the app's navigation.
 */
export function SharedRun({
  token,
  runId,
  initialNodeId,
}: {
  token: string;
  runId: string;
  initialNodeId: string | null;
}) {
  return (
    <RunAccessProvider access={{ mode: 'share', token }}>
      <div className="flex h-12 items-center gap-3 border-b border-slate-200 bg-white px-6 text-sm">
        <span className="font-semibold tracking-tight text-slate-900">◇ Pipewright</span>
        <span className="h-4 w-px bg-slate-200" aria-hidden="true" />
        <span
          className="inline-flex items-center gap-1.5 rounded-full bg-slate-100 px-2.5 py-0.5 text-xs font-medium text-slate-600"
          data-testid="shared-run-banner"
        >
          <EyeIcon className="size-3.5" />
          Shared run · read-only
        </span>
        <LinkEnded runId={runId} token={token} />
      </div>
      <RunView runId={runId} initialNodeId={initialNodeId} />
    </RunAccessProvider>
  );
}

/**
 * Says so when the link stops working while the page is open (revoked or
 * expired): the page keeps what it last showed but no longer updates. The
 * run view's own reads tell: its backstop poll (`runs.progress`) or a
 * summary re-read answers NOT_FOUND once the link is gone (the event
 * stream, ended by the server on revoke, cannot reconnect: a 404). Read
 * from the query cache without an observer: nothing is fetched here, and
 * the view's queries keep their own options.
 */
function LinkEnded({ runId, token }: { runId: string; token: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const input = { id: runId, share: token };
  const keys = [trpc.runs.progress.queryKey(input), trpc.runs.summary.queryKey(input)];
  const ended = useSyncExternalStore(
    (onChange) => queryClient.getQueryCache().subscribe(onChange),
    () => keys.some((key) => isNotFound(queryClient.getQueryState(key)?.error)),
    () => false,
  );
  if (!ended) return null;
  return (
    <span className="ml-auto text-xs text-amber-700" role="status" data-testid="share-link-ended">
      This link has been revoked or has expired; the page no longer updates.
    </span>
  );
}
