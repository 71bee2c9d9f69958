'use client';

import { useMutation } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Button } from '@/app/_components/button';
import { RelativeTime } from '@/app/_components/relative-time';
import { RunStateBadge } from '@/app/_components/run-state-badge';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { elapsedMs, formatDuration, summarizeParams } from '@/app/_lib/format-duration';
import { useRunAccess } from '@/app/_lib/run-access';
import { useCan } from '@/app/_lib/session';
import { useTRPCClient } from '@/app/_lib/trpc';
import type { RunDetail } from '@/app/_lib/use-run-state';
import { isTerminalFlowState } from '@/server/engine/states';
import { ShareRunButton } from './share-run-dialog';

const RETRYABLE = new Set(['failed', 'cancelled', 'crashed']);

/**
 * Who, what, when and why of a run, and what can be done with it. Through a
 * share link: the same facts, no actions and no links into the app.
 */
export function RunHeader({ run }: { run: RunDetail }) {
  const team = useRunAccess().mode === 'team';
  const client = useTRPCClient();
  const router = useRouter();
  const [failure, setFailure] = useState<string | null>(null);
  const onError = (error: unknown) => setFailure(apiErrorDetails(error).message);
  const goTo = ({ id }: { id: string }) => router.push(`/runs/${id}`);
  const cancel = useMutation({
    mutationFn: () => client.runs.cancel.mutate({ id: run.id }),
    onError,
  });
  const retry = useMutation({
    mutationFn: () => client.runs.retry.mutate({ id: run.id }),
    onSuccess: goTo,
    onError,
  });
  const runAgain = useMutation({
    mutationFn: () =>
      client.runs.start.mutate({ flowId: run.flowId, params: run.params, trigger: 'manual' }),
    onSuccess: goTo,
    onError,
  });
  const terminal = isTerminalFlowState(run.state);
  // Cancel, retry and run again are for editors; viewers watch.
  const canEdit = useCan('editor');
  const duration = elapsedMs(run.startedAt, run.endedAt);
  const params = summarizeParams(run.params, 200);

  return (
    <header className="flex flex-col gap-2 border-b border-slate-200 bg-white px-6 py-4">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-lg font-semibold text-slate-900">
          {team ? (
            <Link
              href={`/flows/${run.flowId}`}
              className="hover:underline"
              data-testid="run-flow-link"
            >
              {run.flowName}
            </Link>
          ) : (
            <span data-testid="run-flow-name">{run.flowName}</span>
          )}
        </h1>
        {team ? (
          <Link
            href={`/flows/${run.flowId}?version=${run.version}`}
            className="text-sm text-slate-500 hover:text-indigo-600 hover:underline"
            title={`Open version ${run.version} of the flow, as it ran`}
            data-testid="run-flow-version"
          >
            v{run.version}
          </Link>
        ) : (
          <span className="text-sm text-slate-500" data-testid="run-flow-version">
            v{run.version}
          </span>
        )}
        <RunStateBadge state={run.state} late={run.late} />
        <span
          className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600"
          data-testid="run-trigger"
        >
          {run.trigger}
        </span>
        {run.triggeredBy && (
          // Who (or what) started it: a person's name, a schedule, "webhook".
          // Shown on share pages too: it says what ran, and is no secret.
          <span className="text-xs text-slate-600" data-testid="run-started-by">
            started by <span className="font-medium text-slate-800">{run.triggeredBy}</span>
          </span>
        )}
        <div className="ml-auto flex items-center gap-2">
          {team && canEdit && <ShareRunButton runId={run.id} />}
          {team && canEdit && !terminal && (
            <Button
              variant="danger"
              size="sm"
              onClick={() => cancel.mutate()}
              pending={cancel.isPending}
              disabled={run.state === 'cancelling'}
              data-testid="cancel-run"
            >
              Cancel
            </Button>
          )}
          {team && canEdit && RETRYABLE.has(run.state) && (
            <Button
              size="sm"
              onClick={() => retry.mutate()}
              pending={retry.isPending}
              data-testid="retry-run"
              title="A new run of this version; completed tasks are reused"
            >
              Retry
            </Button>
          )}
          {team && canEdit && (
            <Button
              size="sm"
              variant="primary"
              onClick={() => runAgain.mutate()}
              pending={runAgain.isPending}
              title="A new run of the flow's latest saved version, with these parameters"
              data-testid="run-again"
            >
              Run again
            </Button>
          )}
        </div>
      </div>
      <dl className="flex flex-wrap gap-x-6 gap-y-1 text-xs text-slate-600">
        <div className="flex gap-1">
          <dt className="text-slate-400">created</dt>
          <dd>
            <RelativeTime date={run.createdAt} />
          </dd>
        </div>
        {run.scheduledFor && (
          <div className="flex gap-1" data-testid="run-scheduled-for">
            <dt className="text-slate-400">scheduled for</dt>
            <dd title={run.scheduledFor.toISOString()}>
              <RelativeTime date={run.scheduledFor} />
            </dd>
          </div>
        )}
        {run.startedAt && (
          <div className="flex gap-1">
            <dt className="text-slate-400">started</dt>
            <dd>
              <RelativeTime date={run.startedAt} />
            </dd>
          </div>
        )}
        {duration !== null && (
          <div className="flex gap-1">
            <dt className="text-slate-400">{run.endedAt ? 'took' : 'running for'}</dt>
            <dd className="tabular-nums" data-testid="run-duration">
              {formatDuration(duration)}
            </dd>
          </div>
        )}
        {params && (
          <div className="flex min-w-0 gap-1">
            <dt className="text-slate-400">params</dt>
            <dd className="truncate font-mono" title={JSON.stringify(run.params, null, 2)}>
              {params}
            </dd>
          </div>
        )}
        {run.retryOfRunId && (
          <div className="flex gap-1">
            <dt className="text-slate-400">retry of</dt>
            <dd>
              {team ? (
                <Link
                  href={`/runs/${run.retryOfRunId}`}
                  className="text-indigo-600 hover:underline"
                >
                  {run.retryOfRunId.slice(0, 8)}
                </Link>
              ) : (
                <span className="font-mono">{run.retryOfRunId.slice(0, 8)}</span>
              )}
            </dd>
          </div>
        )}
      </dl>
      {run.stateReason && (
        <p className="text-sm text-slate-700" data-testid="run-reason">
          {run.stateReason}
        </p>
      )}
      {failure && (
        <p className="text-sm text-red-700" role="alert">
          {failure}
        </p>
      )}
    </header>
  );
}
