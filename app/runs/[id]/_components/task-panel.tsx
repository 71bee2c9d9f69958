'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { Button, IconButton } from '@/app/_components/button';
import { XIcon } from '@/app/_components/icons';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { elapsedMs, formatDuration } from '@/app/_lib/format-duration';
import { useShareToken } from '@/app/_lib/run-access';
import { useCan } from '@/app/_lib/session';
import { useTRPC, useTRPCClient } from '@/app/_lib/trpc';
import type { RunDetail } from '@/app/_lib/use-run-state';
import { runStateStyles } from '@/app/flows/[id]/_components/editor/run-state-style';
import { isTerminalFlowState } from '@/server/engine/states';
import { CachedFromLink } from './cached-from-link';
import { LogView } from './log-view';
import { TaskInputs } from './task-inputs';
import { TaskValue } from './task-value';
import { useLogWindow } from './use-log-window';
import { TaskWaitingReason } from './waiting-reason';

type TaskSummary = RunDetail['tasks'][number];

const LIVE_MS = 1000;
const ITEMS_PAGE = 50;

const dateTime = new Intl.DateTimeFormat('en', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** Changes whenever the task's detail may have: its state, attempt, end or output. */
function taskVersion(task: TaskSummary): string {
  return [
    task.state,
    task.attempt,
    task.attempts.length,
    task.endedAt?.getTime() ?? '',
    task.outputBytes ?? '',
  ].join(':');
}

/** Changes whenever one of the task's direct upstreams (its inputs) may have. */
function upstreamVersion(run: RunDetail, nodeId: string): string {
  const sources = new Set(
    run.document.edges.filter((e) => e.target === nodeId).map((e) => e.source),
  );
  return run.tasks
    .filter((t) => sources.has(t.nodeId))
    .map(taskVersion)
    .join('|');
}

/**
 * The selected task: state and why, config, output, logs, attempts, items;
 * re-run from here. The live summary gives the state; the heavy parts
 * (config, output, attempts with stacks) come from `runs.task` on demand,
 * re-read when the task moves.
 */
export function TaskPanel({
  run,
  task,
  onClose,
}: {
  run: RunDetail;
  task: TaskSummary;
  onClose(): void;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const router = useRouter();
  const share = useShareToken();
  const live = !isTerminalFlowState(run.state);
  const style = runStateStyles[task.state];
  const detail = useQuery(
    trpc.runs.task.queryOptions({ runId: run.id, nodeId: task.nodeId, share }, { staleTime: 0 }),
  );
  const refetchDetail = detail.refetch;
  const version = `${taskVersion(task)}|${upstreamVersion(run, task.nodeId)}`;
  const firstVersion = useRef(version);
  useEffect(() => {
    // The first read is the query's own; after that, one per change.
    if (version === firstVersion.current) return;
    firstVersion.current = version;
    void refetchDetail();
  }, [refetchDetail, version]);
  const log = useLogWindow(
    { runId: run.id, taskRunId: task.id, minLevel: 'debug', search: '' },
    live,
  );
  const canEdit = useCan('editor');
  const [rerunError, setRerunError] = useState<string | null>(null);
  const rerun = useMutation({
    mutationFn: () => client.runs.retry.mutate({ id: run.id, fromNodeId: task.nodeId }),
    onSuccess: ({ id }) => router.push(`/runs/${id}`),
    onError: (error) => setRerunError(apiErrorDetails(error).message),
  });
  const node = run.document.nodes.find((n) => n.id === task.nodeId);
  const duration = elapsedMs(task.startedAt, task.endedAt);
  const data = detail.data;

  return (
    <aside
      className="flex h-full w-[28rem] shrink-0 flex-col overflow-y-auto border-l border-slate-200 bg-white"
      data-testid="task-panel"
      data-node-id={task.nodeId}
    >
      <header className="flex items-start justify-between gap-2 border-b border-slate-200 p-4">
        <div className="min-w-0">
          <h2 className="truncate font-semibold text-slate-900">{node?.name ?? task.nodeId}</h2>
          <p className="font-mono text-xs text-slate-500">
            {task.nodeId} · {task.nodeType}
          </p>
        </div>
        <IconButton label="Close" onClick={onClose}>
          <XIcon className="size-4" />
        </IconButton>
      </header>
      <div className="flex flex-col gap-4 p-4 text-sm">
        <section className="flex flex-col gap-1">
          <div className="flex flex-wrap items-center gap-2">
            <span
              className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${style.pill}`}
              data-testid="task-state"
              data-state={task.state}
            >
              {style.label}
            </span>
            {task.attempt > 0 && (
              <span className="text-xs text-slate-500">attempt {task.attempt}</span>
            )}
            {duration !== null && (
              <span className="text-xs text-slate-500 tabular-nums">
                {formatDuration(duration)}
              </span>
            )}
            {task.cachedFromTaskRunId && <CachedFromLink taskRunId={task.cachedFromTaskRunId} />}
          </div>
          {task.stateReason && (
            <p className="text-xs text-slate-600" data-testid="task-reason">
              {task.stateReason}
            </p>
          )}
          {task.errorMessage && (
            <p className="text-xs text-red-700" data-testid="task-error">
              {task.errorMessage}
            </p>
          )}
        </section>
        <TaskWaitingReason run={run} taskRunId={task.id} />

        {canEdit && share === undefined && isTerminalFlowState(run.state) && (
          <div className="flex flex-col gap-1">
            <Button
              size="sm"
              onClick={() => rerun.mutate()}
              pending={rerun.isPending}
              data-testid="rerun-from-node"
              title="Run this task and everything after it again, reusing what came before"
            >
              Re-run from here
            </Button>
            {rerunError && <p className="text-xs text-red-700">{rerunError}</p>}
          </div>
        )}

        {task.items && <ForEachItems taskRunId={task.id} items={task.items} live={live} />}

        {!data ? (
          <p className="text-xs text-slate-500" data-testid="task-detail-loading">
            {detail.error
              ? apiErrorDetails(detail.error).message
              : 'Loading inputs, config and output…'}
          </p>
        ) : (
          <>
            <TaskInputs
              run={run}
              nodeId={task.nodeId}
              inputs={data.inputs}
              item={data.item}
              version={version}
            />
            <TaskValue
              runId={run.id}
              nodeId={task.nodeId}
              field="resolvedConfig"
              label="Resolved config"
              testId="task-config"
              bytes={data.configBytes}
              deferred={data.configDeferred}
              value={data.resolvedConfig ?? node?.config ?? {}}
              version={version}
            />
            {data.outputBytes === null ? (
              <p className="text-xs text-slate-500" data-testid="task-no-output">
                No output.
              </p>
            ) : (
              <TaskValue
                runId={run.id}
                nodeId={task.nodeId}
                field="output"
                label="Output"
                testId="task-output"
                bytes={data.outputBytes}
                deferred={data.outputDeferred}
                value={data.output}
                version={version}
              />
            )}
          </>
        )}

        <section className="flex flex-col gap-1">
          <h3 className="text-xs font-medium text-slate-600">Logs</h3>
          <LogView log={log} testId="task-logs" />
        </section>

        <section className="flex flex-col gap-1">
          <h3 className="text-xs font-medium text-slate-600">Attempts</h3>
          {!data || data.attempts.length === 0 ? (
            <p className="text-xs text-slate-500">{data ? 'No attempts.' : 'Loading…'}</p>
          ) : (
            <ol className="flex flex-col gap-2" data-testid="task-attempts">
              {data.attempts.map((a) => {
                const ms = elapsedMs(a.startedAt, a.endedAt);
                return (
                  <li
                    key={a.attempt}
                    className="rounded-md p-2 text-xs ring-1 ring-slate-200 ring-inset"
                    data-testid="task-attempt"
                    data-state={a.state}
                  >
                    <div className="flex flex-wrap gap-x-3 gap-y-1 text-slate-700">
                      <span className="font-medium">#{a.attempt}</span>
                      <span>{a.state}</span>
                      <span className="text-slate-500">worker {a.workerId ?? '—'}</span>
                      <span className="text-slate-500 tabular-nums">
                        {dateTime.format(a.startedAt)}
                      </span>
                      {ms !== null && (
                        <span className="text-slate-500 tabular-nums">{formatDuration(ms)}</span>
                      )}
                    </div>
                    {a.error && (
                      <details className="mt-1">
                        <summary className="cursor-pointer text-red-700">{a.error.message}</summary>
                        {a.error.stack && (
                          <pre className="mt-1 overflow-auto font-mono text-[11px] whitespace-pre-wrap text-slate-600">
                            {a.error.stack}
                          </pre>
                        )}
                      </details>
                    )}
                  </li>
                );
              })}
            </ol>
          )}
        </section>
      </div>
    </aside>
  );
}

/** A for-each's items: counts by state and a paged list. */
function ForEachItems({
  taskRunId,
  items,
  live,
}: {
  taskRunId: string;
  items: NonNullable<TaskSummary['items']>;
  live: boolean;
}) {
  const trpc = useTRPC();
  const share = useShareToken();
  const [limit, setLimit] = useState(ITEMS_PAGE);
  const list = useQuery(
    trpc.runs.items.queryOptions(
      { taskRunId, limit, share },
      { refetchInterval: live ? LIVE_MS : false, staleTime: 0 },
    ),
  );
  return (
    <section className="flex flex-col gap-1" data-testid="foreach-items">
      <h3 className="text-xs font-medium text-slate-600">Items ({items.total})</h3>
      <div className="flex flex-wrap gap-1">
        {Object.entries(items.byState).map(([state, n]) => (
          <span
            key={state}
            className="rounded bg-slate-100 px-1.5 py-0.5 text-[11px] text-slate-700"
          >
            {state} {n}
          </span>
        ))}
      </div>
      <ol className="max-h-60 overflow-auto text-xs">
        {(list.data ?? []).map((item) => (
          <li key={item.id} className="flex gap-2 border-b border-slate-100 py-0.5">
            <span className="w-10 text-slate-400 tabular-nums">#{item.index}</span>
            <span className="w-20">{item.state}</span>
            <span className="min-w-0 truncate text-slate-500">
              {item.error?.message ?? item.stateReason ?? JSON.stringify(item.output) ?? ''}
            </span>
          </li>
        ))}
      </ol>
      {(list.data?.length ?? 0) >= limit && limit < 1000 && (
        <Button
          size="sm"
          variant="ghost"
          onClick={() => setLimit((l) => Math.min(1000, l + ITEMS_PAGE))}
        >
          Show more items
        </Button>
      )}
    </section>
  );
}
